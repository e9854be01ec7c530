//! VideoCore mailbox property messages (channel 8).
//!
//! A property message is an array of 32-bit words in RAM: total size, a
//! request/response code, then tags (id, value-buffer size, request/response
//! indicator, value words), then a zero end tag. The ARM writes the message's
//! bus address to the mailbox; the firmware answers in place. This module builds
//! messages and checks answers; the kernel's mailbox driver moves them.

/// Mailbox channel of the property interface (ARM to VideoCore).
pub const CHANNEL_PROPERTY: u32 = 8;

/// Tag: firmware revision (response: 1 word).
pub const TAG_GET_FIRMWARE_REVISION: u32 = 0x0000_0001;
/// Tag: board revision code (response: 1 word).
pub const TAG_GET_BOARD_REVISION: u32 = 0x0001_0002;
/// Tag: board serial number (response: 2 words).
pub const TAG_GET_BOARD_SERIAL: u32 = 0x0001_0004;
/// Tag: memory given to the ARM (response: base, size).
pub const TAG_GET_ARM_MEMORY: u32 = 0x0001_0005;
/// Tag: memory kept by the VideoCore (response: base, size).
pub const TAG_GET_VC_MEMORY: u32 = 0x0001_0006;
/// Tag: clock rate in Hz (request: clock id; response: id, rate).
pub const TAG_GET_CLOCK_RATE: u32 = 0x0003_0002;
/// Tag: SoC temperature in thousandths of a degree Celsius (request: id 0; response: id, value).
pub const TAG_GET_TEMPERATURE: u32 = 0x0003_0006;

const CODE_REQUEST: u32 = 0;
const CODE_SUCCESS: u32 = 0x8000_0000;
const RESPONSE_BIT: u32 = 0x8000_0000;
const HEADER_WORDS: usize = 2;
const TAG_HEADER_WORDS: usize = 3;

/// Capacity of a [`PropertyBuffer`] in 32-bit words.
pub const BUFFER_WORDS: usize = 36;

/// Why a property message could not be built or was not answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyError {
    /// The tags do not fit in the buffer.
    BufferFull,
    /// The firmware did not mark the message as processed successfully
    /// (the raw response code).
    Failed(u32),
    /// The firmware did not answer this tag.
    TagNotAnswered,
    /// The answer is longer than the value buffer the request reserved.
    ResponseTruncated,
}

/// Where a tag's header sits in the buffer, returned by [`PropertyBuffer::push_tag`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagHandle {
    index: usize,
    value_words: usize,
}

/// A property message: 16-byte aligned, as the mailbox takes only the upper 28
/// bits of the address.
#[derive(Clone, Debug)]
#[repr(C, align(16))]
pub struct PropertyBuffer {
    /// The message words, exactly as the firmware sees them.
    pub words: [u32; BUFFER_WORDS],
    len: usize,
}

impl Default for PropertyBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl PropertyBuffer {
    /// An empty request.
    pub const fn new() -> Self {
        Self { words: [0; BUFFER_WORDS], len: HEADER_WORDS }
    }

    /// Appends a tag with `value_words` words of value buffer (large enough for
    /// both the request and the response) and the request values in `request`.
    pub fn push_tag(
        &mut self,
        tag: u32,
        value_words: usize,
        request: &[u32],
    ) -> Result<TagHandle, PropertyError> {
        let value_words = if request.len() > value_words { request.len() } else { value_words };
        // Keep one word for the end tag.
        let needed = self.len + TAG_HEADER_WORDS + value_words + 1;
        if needed > BUFFER_WORDS {
            return Err(PropertyError::BufferFull);
        }
        let index = self.len;
        let Some(slot) = self.words.get_mut(index..index + TAG_HEADER_WORDS + value_words) else {
            return Err(PropertyError::BufferFull);
        };
        slot.fill(0);
        slot[0] = tag;
        slot[1] = (value_words * 4) as u32;
        slot[2] = CODE_REQUEST;
        for (dst, src) in slot[TAG_HEADER_WORDS..].iter_mut().zip(request) {
            *dst = *src;
        }
        self.len = index + TAG_HEADER_WORDS + value_words;
        Ok(TagHandle { index, value_words })
    }

    /// Writes the end tag and the header; after this the buffer can be sent.
    pub fn finish(&mut self) {
        if let Some(end) = self.words.get_mut(self.len) {
            *end = 0;
        }
        let total_words = (self.len + 1).min(BUFFER_WORDS);
        self.words[0] = (total_words * 4) as u32;
        self.words[1] = CODE_REQUEST;
    }

    /// Size of the finished message in bytes.
    pub fn size_bytes(&self) -> u32 {
        self.words[0]
    }

    /// Checks the overall response code written by the firmware.
    pub fn status(&self) -> Result<(), PropertyError> {
        match self.words[1] {
            CODE_SUCCESS => Ok(()),
            other => Err(PropertyError::Failed(other)),
        }
    }

    /// The response values of one tag, checked for presence and length.
    pub fn response(&self, handle: TagHandle) -> Result<&[u32], PropertyError> {
        self.status()?;
        let indicator = *self.words.get(handle.index + 2).ok_or(PropertyError::TagNotAnswered)?;
        if indicator & RESPONSE_BIT == 0 {
            return Err(PropertyError::TagNotAnswered);
        }
        let bytes = (indicator & !RESPONSE_BIT) as usize;
        let words = bytes.div_ceil(4);
        if words > handle.value_words {
            return Err(PropertyError::ResponseTruncated);
        }
        let start = handle.index + TAG_HEADER_WORDS;
        self.words.get(start..start + words).ok_or(PropertyError::ResponseTruncated)
    }
}

/// The mailbox word that sends `buffer_bus_address` on the property channel.
pub const fn request_word(buffer_bus_address: u32) -> u32 {
    (buffer_bus_address & !0xf) | CHANNEL_PROPERTY
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for the firmware: answers the tags it knows like QEMU does.
    fn answer(buf: &mut PropertyBuffer, known: &[(u32, &[u32])]) {
        let total = buf.words[0] as usize / 4;
        let mut i = HEADER_WORDS;
        while i + 2 < total {
            let tag = buf.words[i];
            if tag == 0 {
                break;
            }
            let size_words = buf.words[i + 1] as usize / 4;
            if let Some((_, values)) = known.iter().find(|(t, _)| *t == tag) {
                buf.words[i + 2] = RESPONSE_BIT | (values.len() * 4) as u32;
                for (k, v) in values.iter().enumerate().take(size_words) {
                    buf.words[i + 3 + k] = *v;
                }
            }
            i += TAG_HEADER_WORDS + size_words;
        }
        buf.words[1] = CODE_SUCCESS;
    }

    #[test]
    fn builds_the_documented_layout() {
        let mut buf = PropertyBuffer::new();
        buf.push_tag(TAG_GET_BOARD_REVISION, 1, &[]).unwrap();
        buf.push_tag(TAG_GET_ARM_MEMORY, 2, &[]).unwrap();
        buf.finish();
        assert_eq!(
            &buf.words[..12],
            &[48, 0, TAG_GET_BOARD_REVISION, 4, 0, 0, TAG_GET_ARM_MEMORY, 8, 0, 0, 0, 0]
        );
        assert_eq!(buf.size_bytes(), 48);
        assert_eq!(core::mem::align_of::<PropertyBuffer>(), 16);
    }

    #[test]
    fn reads_answers() {
        let mut buf = PropertyBuffer::new();
        let rev = buf.push_tag(TAG_GET_BOARD_REVISION, 1, &[]).unwrap();
        let mem = buf.push_tag(TAG_GET_ARM_MEMORY, 2, &[]).unwrap();
        let clock = buf.push_tag(TAG_GET_CLOCK_RATE, 2, &[2]).unwrap();
        buf.finish();
        assert_eq!(buf.words[buf.words[0] as usize / 4 - 1], 0, "end tag");
        answer(
            &mut buf,
            &[
                (TAG_GET_BOARD_REVISION, &[0xb03115]),
                (TAG_GET_ARM_MEMORY, &[0, 0x3c00_0000]),
                (TAG_GET_CLOCK_RATE, &[2, 48_000_000]),
            ],
        );
        assert_eq!(buf.response(rev).unwrap(), &[0xb03115]);
        assert_eq!(buf.response(mem).unwrap(), &[0, 0x3c00_0000]);
        assert_eq!(buf.response(clock).unwrap(), &[2, 48_000_000]);
    }

    #[test]
    fn unanswered_and_failed() {
        let mut buf = PropertyBuffer::new();
        let serial = buf.push_tag(TAG_GET_BOARD_SERIAL, 2, &[]).unwrap();
        buf.finish();
        assert_eq!(buf.response(serial), Err(PropertyError::Failed(0)), "not processed yet");
        answer(&mut buf, &[]);
        assert_eq!(buf.response(serial), Err(PropertyError::TagNotAnswered));
        buf.words[1] = 0x8000_0001;
        assert_eq!(buf.status(), Err(PropertyError::Failed(0x8000_0001)));
    }

    #[test]
    fn truncated_answer_is_an_error() {
        let mut buf = PropertyBuffer::new();
        let rev = buf.push_tag(TAG_GET_BOARD_REVISION, 1, &[]).unwrap();
        buf.finish();
        answer(&mut buf, &[(TAG_GET_BOARD_REVISION, &[1, 2, 3])]);
        assert_eq!(buf.response(rev), Err(PropertyError::ResponseTruncated));
    }

    #[test]
    fn buffer_full() {
        let mut buf = PropertyBuffer::new();
        assert_eq!(buf.push_tag(1, BUFFER_WORDS, &[]), Err(PropertyError::BufferFull));
        let mut n = 0;
        while buf.push_tag(TAG_GET_BOARD_REVISION, 1, &[]).is_ok() {
            n += 1;
        }
        assert_eq!(n, (BUFFER_WORDS - HEADER_WORDS - 1) / 4);
        buf.finish();
        assert!(buf.size_bytes() as usize <= BUFFER_WORDS * 4);
    }

    #[test]
    fn request_word_carries_the_channel() {
        assert_eq!(request_word(0xc008_1230), 0xc008_1238);
        assert_eq!(request_word(0xc008_123f), 0xc008_1238);
    }
}
