//! The serial chainload protocol: how a host pushes a kernel image to the
//! chainloader over UART0, and the loader's receive state machine.
//!
//! **Wire format.** The host sends a 12-byte header — the magic `APIK`, the
//! image size and its CRC-32/IEEE, both little-endian u32 — then, once the
//! loader has accepted the header, the image itself:
//!
//! ```text
//! host                                   loader
//!  ENQ (0x05)  ─────────────────────────►  (any time it is idle)
//!              ◄─────────────────────────  "chainloader: ready for a kernel of at most N bytes"
//!  "APIK" size crc32  ──────────────────►
//!              ◄─────────────────────────  "chainloader: receiving N bytes"
//!                                      or  "chainloader: error: ..." then "ready" again
//!  N bytes of image  ───────────────────►
//!              ◄─────────────────────────  "chainloader: image ok (crc32 xxxxxxxx), starting it"
//!                                      or  "chainloader: error: ..." then "ready" again
//! ```
//!
//! **Loader side.** [`Loader`] consumes received bytes one at a time
//! ([`Loader::feed`]) and the passage of time ([`Loader::poll`]), writes the
//! image into a destination slice, and tells its caller what to say. It never
//! accepts a wrong image: a bad magic, an empty or oversized image, a CRC
//! mismatch, a transfer that stalls for [`STALL_TIMEOUT_MS`], or a byte the
//! UART reports lost or garbled mid-transfer ([`Loader::line_fault`]) is
//! reported as a [`LoadError`], and the loader waits again. After a rejected header it
//! first discards input until the line has been quiet for [`QUIET_MS`], so the
//! rest of a transfer it refused is not taken for a new header.
//!
//! Being portable, it is unit-tested on the host; the chainloader
//! (`chainloader/`) drives it from the UART, the host tool
//! (`tools/chainboot`) speaks the other side.

use crate::crc32::Crc32;
use core::fmt;

/// First four bytes of every header.
pub const MAGIC: [u8; 4] = *b"APIK";
/// Length of the header: magic, size, CRC-32.
pub const HEADER_LEN: usize = 12;
/// The byte a host sends to make an idle loader announce itself again.
pub const ENQUIRY: u8 = 0x05;
/// A transfer with no byte for this long is abandoned (milliseconds).
pub const STALL_TIMEOUT_MS: u64 = 3_000;
/// After a refused header, input is discarded until the line has been quiet
/// this long (milliseconds).
pub const QUIET_MS: u64 = 300;

/// Start of the line the loader prints when it waits for a header.
pub const READY_LINE: &str = "chainloader: ready";
/// Start of the line the loader prints when it accepts a header.
pub const RECEIVING_LINE: &str = "chainloader: receiving";
/// Start of the line the loader prints before it starts the image.
pub const IMAGE_OK_LINE: &str = "chainloader: image ok";
/// Start of every error line the loader prints.
pub const ERROR_LINE: &str = "chainloader: error:";

/// A chainload header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Image size in bytes.
    pub size: u32,
    /// CRC-32/IEEE of the image.
    pub crc32: u32,
}

impl Header {
    /// The header for `image`.
    pub fn for_image(image: &[u8]) -> Result<Header, LoadError> {
        let size = u32::try_from(image.len())
            .map_err(|_| LoadError::TooLarge { size: u32::MAX, max: u32::MAX })?;
        Ok(Header { size, crc32: crate::crc32::crc32(image) })
    }

    /// The header's 12 bytes on the wire.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[..4].copy_from_slice(&MAGIC);
        bytes[4..8].copy_from_slice(&self.size.to_le_bytes());
        bytes[8..].copy_from_slice(&self.crc32.to_le_bytes());
        bytes
    }

    /// Parses and checks a header for a loader that takes at most `max` bytes.
    pub fn parse(bytes: &[u8; HEADER_LEN], max: u32) -> Result<Header, LoadError> {
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        if bytes[..4] != MAGIC {
            return Err(LoadError::BadMagic([bytes[0], bytes[1], bytes[2], bytes[3]]));
        }
        let header = Header { size: word(4), crc32: word(8) };
        match header.size {
            0 => Err(LoadError::Empty),
            size if size > max => Err(LoadError::TooLarge { size, max }),
            _ => Ok(header),
        }
    }
}

/// A character the UART could not deliver (the PL011's receive error flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineFault {
    /// Bytes arrived while the receive FIFO was full and were lost.
    Overrun,
    /// A character without a valid stop bit (wrong baud rate, noise).
    Framing,
    /// A character whose parity bit was wrong.
    Parity,
    /// The line was held low for longer than a character.
    Break,
}

impl fmt::Display for LineFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Overrun => "UART overrun (bytes lost)",
            Self::Framing => "framing error",
            Self::Parity => "parity error",
            Self::Break => "break on the line",
        })
    }
}

/// Why the loader refused an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The header did not start with [`MAGIC`] (the four bytes received).
    BadMagic([u8; 4]),
    /// The header announced an empty image.
    Empty,
    /// The image does not fit below the loader.
    TooLarge {
        /// Announced size.
        size: u32,
        /// Largest size accepted.
        max: u32,
    },
    /// The image's CRC-32 differs from the header's.
    CrcMismatch {
        /// CRC-32 the header announced.
        expected: u32,
        /// CRC-32 of what arrived.
        actual: u32,
    },
    /// The UART lost or garbled a byte in the middle of a header or an image.
    LineFault {
        /// What the UART reported.
        fault: LineFault,
        /// Bytes of the header (if `expected` is 12) or image received before it.
        received: u32,
        /// Bytes expected.
        expected: u32,
    },
    /// No byte arrived for [`STALL_TIMEOUT_MS`] in the middle of a header or an image.
    Stalled {
        /// Bytes of the header (if `expected` is 12) or image received.
        received: u32,
        /// Bytes expected.
        expected: u32,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic(bytes) => {
                // The bytes up to and including the first wrong one.
                let wrong = bytes.iter().zip(MAGIC).position(|(got, want)| *got != want);
                f.write_str("bad magic")?;
                for byte in &bytes[..=wrong.unwrap_or(MAGIC.len() - 1)] {
                    write!(f, " {byte:02x}")?;
                }
                f.write_str(" (a header starts with \"APIK\", 41 50 49 4b)")
            }
            Self::Empty => f.write_str("the header announces an empty image"),
            Self::TooLarge { size, max } => {
                write!(f, "an image of {size} bytes does not fit (at most {max})")
            }
            Self::CrcMismatch { expected, actual } => write!(
                f,
                "CRC-32 mismatch: the header says {expected:08x}, the image is {actual:08x}"
            ),
            Self::LineFault { fault, received, expected } => write!(
                f,
                "{fault} after {received} of {expected} bytes: a byte was lost on the line \
                 (check the wiring and the baud rate)"
            ),
            Self::Stalled { received, expected } => write!(
                f,
                "transfer stalled after {received} of {expected} bytes (nothing for {} s)",
                STALL_TIMEOUT_MS / 1000
            ),
        }
    }
}

/// What the loader's caller should do after a byte or a poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing to report.
    Nothing,
    /// Print the ready line: the loader waits for a header.
    Ready,
    /// Print the receiving line: a header was accepted, `size` bytes follow.
    Receiving {
        /// Image size.
        size: u32,
    },
    /// Print the error; the loader waits again (it will ask for `Ready` to be
    /// printed once the line is quiet).
    Rejected(LoadError),
    /// The whole image is in the destination and its CRC matches: start it.
    Complete(Header),
}

impl Event {
    /// Writes the line the loader prints for this event, ending in `\n`
    /// (nothing for [`Event::Nothing`]). `max` is the loader's size limit and
    /// `load_address` where a complete image starts. Hosts recognise the lines
    /// by their `*_LINE` prefixes; [`ready_line_limit`] reads the limit back.
    pub fn write_line(
        &self,
        max: u32,
        load_address: usize,
        out: &mut dyn fmt::Write,
    ) -> fmt::Result {
        match self {
            Event::Nothing => Ok(()),
            Event::Ready => writeln!(
                out,
                "{READY_LINE} for a kernel of at most {max} bytes (send 0x05 to ask again)"
            ),
            Event::Receiving { size } => writeln!(out, "{RECEIVING_LINE} {size} bytes"),
            Event::Rejected(error) => writeln!(out, "{ERROR_LINE} {error}"),
            Event::Complete(header) => writeln!(
                out,
                "{IMAGE_OK_LINE} (crc32 {:08x}, {} bytes), starting it at {load_address:#x}",
                header.crc32, header.size
            ),
        }
    }
}

/// The size limit a ready line announces, or `None` if `line` is not one.
pub fn ready_line_limit(line: &str) -> Option<u32> {
    let rest = line.strip_prefix(READY_LINE)?;
    let after = rest.split("at most ").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for the first byte of a header.
    Idle,
    /// Collecting a header; `got` bytes so far.
    Header { got: usize },
    /// Receiving the image.
    Payload { header: Header, received: u32 },
    /// Discarding input until the line is quiet.
    Draining,
}

/// The loader's receive state machine.
#[derive(Clone, Debug)]
pub struct Loader {
    state: State,
    max: u32,
    header: [u8; HEADER_LEN],
    crc: Crc32,
    last_byte_ms: u64,
    announce: bool,
}

impl Loader {
    /// A loader that accepts images of at most `max` bytes. Its first
    /// [`poll`](Self::poll) asks for the ready line.
    pub fn new(max: u32) -> Self {
        Self {
            state: State::Idle,
            max,
            header: [0; HEADER_LEN],
            crc: Crc32::new(),
            last_byte_ms: 0,
            announce: true,
        }
    }

    /// Largest image accepted.
    pub fn max_size(&self) -> u32 {
        self.max
    }

    /// Whether the loader waits for a header (nothing half-received).
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle
    }

    /// Takes one received byte at time `now_ms`, storing image bytes into
    /// `destination` (which must hold at least [`max_size`](Self::max_size) bytes).
    pub fn feed(&mut self, byte: u8, now_ms: u64, destination: &mut [u8]) -> Event {
        self.last_byte_ms = now_ms;
        match self.state {
            State::Draining => Event::Nothing,
            State::Idle if byte == ENQUIRY => Event::Ready,
            State::Idle => {
                self.header[0] = byte;
                self.state = State::Header { got: 1 };
                self.check_header_so_far()
            }
            State::Header { got } => {
                self.header[got] = byte;
                self.state = State::Header { got: got + 1 };
                self.check_header_so_far()
            }
            State::Payload { header, received } => {
                let Some(slot) = destination.get_mut(received as usize) else {
                    // The caller broke its promise; refuse rather than write out of bounds.
                    return self.reject_now(LoadError::TooLarge {
                        size: header.size,
                        max: destination.len() as u32,
                    });
                };
                *slot = byte;
                self.crc.update(&[byte]);
                let received = received + 1;
                if received < header.size {
                    self.state = State::Payload { header, received };
                    return Event::Nothing;
                }
                let actual = core::mem::take(&mut self.crc).finish();
                if actual == header.crc32 {
                    self.state = State::Idle;
                    Event::Complete(header)
                } else {
                    self.reject_now(LoadError::CrcMismatch { expected: header.crc32, actual })
                }
            }
        }
    }

    /// Takes a character the UART reported lost or garbled, at time
    /// `now_ms`, instead of a byte: mid-transfer the transfer is refused at
    /// once (and the rest of it discarded until the line is quiet), rather
    /// than ending in a stall or a CRC mismatch later; while waiting for a
    /// header it is line noise (a cable plugged in) and changes nothing.
    pub fn line_fault(&mut self, fault: LineFault, now_ms: u64) -> Event {
        self.last_byte_ms = now_ms;
        let (received, expected) = match self.state {
            State::Header { got } => (got as u32, HEADER_LEN as u32),
            State::Payload { header, received } => (received, header.size),
            State::Idle | State::Draining => return Event::Nothing,
        };
        self.reject_and_drain(LoadError::LineFault { fault, received, expected })
    }

    /// Lets time pass (call it whenever no byte is waiting): reports stalls,
    /// ends draining once the line is quiet, and asks for the ready line when
    /// the loader starts waiting again.
    pub fn poll(&mut self, now_ms: u64) -> Event {
        let silent = now_ms.saturating_sub(self.last_byte_ms);
        match self.state {
            State::Header { got } if silent >= STALL_TIMEOUT_MS => {
                self.reject_now(LoadError::Stalled {
                    received: got as u32,
                    expected: HEADER_LEN as u32,
                })
            }
            State::Payload { header, received } if silent >= STALL_TIMEOUT_MS => {
                self.reject_now(LoadError::Stalled { received, expected: header.size })
            }
            State::Draining if silent >= QUIET_MS => {
                self.state = State::Idle;
                Event::Ready
            }
            State::Idle if self.announce => {
                self.announce = false;
                Event::Ready
            }
            _ => Event::Nothing,
        }
    }

    /// Rejects the header being received as soon as its bytes show it is wrong.
    fn check_header_so_far(&mut self) -> Event {
        let State::Header { got } = self.state else { return Event::Nothing };
        if got <= MAGIC.len() && self.header[..got] != MAGIC[..got] {
            let mut seen = [0u8; 4];
            seen[..got].copy_from_slice(&self.header[..got]);
            return self.reject_and_drain(LoadError::BadMagic(seen));
        }
        if got < HEADER_LEN {
            return Event::Nothing;
        }
        match Header::parse(&self.header, self.max) {
            Ok(header) => {
                self.state = State::Payload { header, received: 0 };
                self.crc = Crc32::new();
                Event::Receiving { size: header.size }
            }
            Err(error) => self.reject_and_drain(error),
        }
    }

    /// Refuses, then discards input until the line is quiet (the host may
    /// still be sending what this header announced).
    fn reject_and_drain(&mut self, error: LoadError) -> Event {
        self.state = State::Draining;
        Event::Rejected(error)
    }

    /// Refuses and waits for a header again at once (nothing more is coming).
    fn reject_now(&mut self, error: LoadError) -> Event {
        self.state = State::Idle;
        self.announce = true;
        Event::Rejected(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u32 = 4096;

    /// Feeds `bytes` one per millisecond starting at `*now`; returns the
    /// events other than `Nothing`.
    fn feed_all(loader: &mut Loader, bytes: &[u8], now: &mut u64, dest: &mut [u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for &b in bytes {
            *now += 1;
            match loader.feed(b, *now, dest) {
                Event::Nothing => {}
                e => events.push(e),
            }
        }
        events
    }

    fn image(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn a_line_fault_mid_transfer_is_refused_at_once_and_the_rest_drained() {
        let mut loader = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let mut now = 0;
        // Noise while idle changes nothing.
        assert_eq!(loader.line_fault(LineFault::Break, now), Event::Nothing);
        assert!(loader.is_idle());
        let img = image(100);
        let header = Header::for_image(&img).unwrap().to_bytes();
        feed_all(&mut loader, &header, &mut now, &mut dest);
        feed_all(&mut loader, &img[..40], &mut now, &mut dest);
        let event = loader.line_fault(LineFault::Overrun, now);
        let error = LoadError::LineFault { fault: LineFault::Overrun, received: 40, expected: 100 };
        assert_eq!(event, Event::Rejected(error));
        let mut line = String::new();
        event.write_line(MAX, 0x80000, &mut line).unwrap();
        assert_eq!(
            line,
            "chainloader: error: UART overrun (bytes lost) after 40 of 100 bytes: a byte was \
             lost on the line (check the wiring and the baud rate)\n"
        );
        // The rest of the image is discarded, not taken for a header.
        assert_eq!(feed_all(&mut loader, &img[40..], &mut now, &mut dest), []);
        assert_eq!(loader.poll(now + QUIET_MS), Event::Ready);
        // In a header, too.
        feed_all(&mut loader, &header[..5], &mut now, &mut dest);
        let framing = LoadError::LineFault { fault: LineFault::Framing, received: 5, expected: 12 };
        assert_eq!(loader.line_fault(LineFault::Framing, now), Event::Rejected(framing));
    }

    #[test]
    fn header_round_trips_and_checks() {
        let h = Header { size: 123_456, crc32: 0xdead_beef };
        assert_eq!(Header::parse(&h.to_bytes(), 200_000), Ok(h));
        assert_eq!(&h.to_bytes()[..4], b"APIK");
        assert_eq!(
            Header::parse(&h.to_bytes(), 100_000),
            Err(LoadError::TooLarge { size: 123_456, max: 100_000 })
        );
        let empty = Header { size: 0, crc32: 0 };
        assert_eq!(Header::parse(&empty.to_bytes(), 10), Err(LoadError::Empty));
        let mut bad = h.to_bytes();
        bad[2] = b'x';
        assert_eq!(Header::parse(&bad, 200_000), Err(LoadError::BadMagic(*b"APxK")));
        assert_eq!(Header::for_image(b"123456789").unwrap().crc32, 0xcbf4_3926);
    }

    #[test]
    fn announces_itself_first_and_on_enquiry() {
        let mut l = Loader::new(MAX);
        assert_eq!(l.poll(0), Event::Ready);
        assert_eq!(l.poll(10), Event::Nothing);
        let mut dest = vec![0u8; MAX as usize];
        assert_eq!(l.feed(ENQUIRY, 20, &mut dest), Event::Ready);
        assert!(l.is_idle());
    }

    #[test]
    fn a_good_image_is_stored_and_completed() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let img = image(1000);
        let header = Header::for_image(&img).unwrap();
        let mut now = 0;
        let events = feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        assert_eq!(events, [Event::Receiving { size: 1000 }]);
        let events = feed_all(&mut l, &img, &mut now, &mut dest);
        assert_eq!(events, [Event::Complete(header)]);
        assert_eq!(&dest[..1000], &img[..]);
        assert!(l.is_idle());
    }

    #[test]
    fn a_corrupt_image_is_rejected_and_a_good_one_accepted_after() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let img = image(500);
        let header = Header::for_image(&img).unwrap();
        let mut corrupt = img.clone();
        corrupt[250] ^= 0x10;
        let mut now = 0;
        feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        let events = feed_all(&mut l, &corrupt, &mut now, &mut dest);
        assert_eq!(events.len(), 1);
        assert!(
            matches!(events[0], Event::Rejected(LoadError::CrcMismatch { expected, .. }) if expected == header.crc32)
        );
        // Waits again at once, and says so.
        assert_eq!(l.poll(now + 1), Event::Ready);
        feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        assert_eq!(feed_all(&mut l, &img, &mut now, &mut dest), [Event::Complete(header)]);
    }

    #[test]
    fn a_bad_magic_is_rejected_at_its_first_wrong_byte_and_the_rest_drained() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let mut now = 0;
        let mut junk = b"APXK".to_vec();
        junk.extend(image(300)); // e.g. the image of a header sent wrong
        let events = feed_all(&mut l, &junk, &mut now, &mut dest);
        assert_eq!(events, [Event::Rejected(LoadError::BadMagic(*b"APX\0"))]);
        // Still draining while bytes keep coming; ready once quiet.
        assert_eq!(l.poll(now + QUIET_MS - 1), Event::Nothing);
        assert_eq!(l.poll(now + QUIET_MS), Event::Ready);
        assert!(l.is_idle());
        // A stray Enter is a bad magic too.
        assert_eq!(
            l.feed(b'\r', now + 1000, &mut dest),
            Event::Rejected(LoadError::BadMagic([b'\r', 0, 0, 0]))
        );
    }

    #[test]
    fn oversized_and_empty_images_are_refused_and_their_data_drained() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let mut now = 0;
        let big = Header { size: MAX + 1, crc32: 0 };
        let events = feed_all(&mut l, &big.to_bytes(), &mut now, &mut dest);
        assert_eq!(events, [Event::Rejected(LoadError::TooLarge { size: MAX + 1, max: MAX })]);
        // A careless host sends the image anyway: it is swallowed, nothing is written.
        let events = feed_all(&mut l, &[0xaa; 200], &mut now, &mut dest);
        assert!(events.is_empty());
        assert!(dest.iter().all(|&b| b == 0));
        assert_eq!(l.poll(now + QUIET_MS), Event::Ready);
        let empty = Header { size: 0, crc32: 0 };
        let events = feed_all(&mut l, &empty.to_bytes(), &mut now, &mut dest);
        assert_eq!(events, [Event::Rejected(LoadError::Empty)]);
    }

    #[test]
    fn stalls_in_the_header_or_the_image_are_reported_and_reset() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let mut now = 0;
        let img = image(100);
        let header = Header::for_image(&img).unwrap();
        feed_all(&mut l, &header.to_bytes()[..5], &mut now, &mut dest);
        assert_eq!(l.poll(now + STALL_TIMEOUT_MS - 1), Event::Nothing);
        assert_eq!(
            l.poll(now + STALL_TIMEOUT_MS),
            Event::Rejected(LoadError::Stalled { received: 5, expected: 12 })
        );
        assert_eq!(l.poll(now + STALL_TIMEOUT_MS + 1), Event::Ready);
        now += STALL_TIMEOUT_MS + 2;
        feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        feed_all(&mut l, &img[..40], &mut now, &mut dest);
        assert_eq!(
            l.poll(now + STALL_TIMEOUT_MS),
            Event::Rejected(LoadError::Stalled { received: 40, expected: 100 })
        );
        // The whole image again, from the start, is accepted.
        now += STALL_TIMEOUT_MS;
        assert_eq!(l.poll(now), Event::Ready);
        feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        assert_eq!(feed_all(&mut l, &img, &mut now, &mut dest), [Event::Complete(header)]);
    }

    #[test]
    fn an_image_exactly_the_maximum_fits() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; MAX as usize];
        let img = image(MAX as usize);
        let header = Header::for_image(&img).unwrap();
        let mut now = 0;
        feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        assert_eq!(feed_all(&mut l, &img, &mut now, &mut dest), [Event::Complete(header)]);
    }

    #[test]
    fn a_destination_shorter_than_promised_is_never_overrun() {
        let mut l = Loader::new(MAX);
        let mut dest = vec![0u8; 10];
        let img = image(20);
        let header = Header::for_image(&img).unwrap();
        let mut now = 0;
        feed_all(&mut l, &header.to_bytes(), &mut now, &mut dest);
        let events = feed_all(&mut l, &img, &mut now, &mut dest);
        assert!(matches!(events[0], Event::Rejected(LoadError::TooLarge { .. })));
    }

    #[test]
    fn arbitrary_input_never_completes_without_a_matching_crc() {
        // Random bytes (xorshift) never produce a Complete whose data does not
        // match its header's CRC.
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut l = Loader::new(64);
        let mut dest = vec![0u8; 64];
        let mut now = 0;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Bias towards the magic so headers actually start.
            let byte = match state % 8 {
                0 => b'A',
                1 => b'P',
                2 => b'I',
                3 => b'K',
                _ => (state >> 8) as u8,
            };
            now += state >> 60; // 0-15 ms between bytes
            if let Event::Complete(h) = l.feed(byte, now, &mut dest) {
                assert_eq!(crate::crc32::crc32(&dest[..h.size as usize]), h.crc32);
            }
            if state.is_multiple_of(97) {
                let _ = l.poll(now + 5_000);
                now += 5_000;
            }
        }
    }

    #[test]
    fn bad_magic_shows_the_bytes_up_to_the_first_wrong_one() {
        extern crate alloc;
        use alloc::string::ToString;
        assert_eq!(
            LoadError::BadMagic([b'X', 0, 0, 0]).to_string(),
            "bad magic 58 (a header starts with \"APIK\", 41 50 49 4b)"
        );
        assert_eq!(
            LoadError::BadMagic(*b"APxK").to_string(),
            "bad magic 41 50 78 (a header starts with \"APIK\", 41 50 49 4b)"
        );
    }

    #[test]
    fn ready_line_round_trips_its_limit() {
        extern crate alloc;
        let mut line = alloc::string::String::new();
        Event::Ready.write_line(33_030_144, 0x80000, &mut line).unwrap();
        assert!(line.ends_with('\n'));
        assert_eq!(ready_line_limit(line.trim_end()), Some(33_030_144));
        assert_eq!(ready_line_limit("chainloader: receiving 5 bytes"), None);
        assert_eq!(ready_line_limit("chainloader: ready for a kernel of at most lots"), None);
    }
}
