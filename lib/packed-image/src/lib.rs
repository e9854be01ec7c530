//! The packed kernel image: how `kernel8.img` fits in 64 KiB.
//!
//! The release `kernel8.img` is not the kernel's raw bytes but a small
//! decompressor program (`decompressor/`) followed by a [`Header`] and the
//! kernel, run through the AArch64 [`branch_filter`] and compressed as a zlib
//! stream (RFC 1950/1951). The firmware loads and starts it at 0x80000 like
//! any kernel; the decompressor moves itself out of the way, unpacks the
//! kernel to 0x80000 with [`inflate::inflate_zlib`], undoes the filter, and
//! jumps to it with the registers the firmware gave.
//!
//! ```text
//! kernel8.img:  [ decompressor | pad to 16 | Header (16 bytes) | zlib stream ]
//! ```
//!
//! Everything here is portable and allocation-free: the host tool that packs
//! the image (`tools/qemu-runner image --packed`) and the decompressor share
//! it, and it is unit-tested and fuzzed on the host. It has no unsafe code.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod branch_filter;
pub mod inflate;

/// First four bytes of the header.
pub const MAGIC: [u8; 4] = *b"APIZ";
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 16;

/// What the decompressor needs to know about the packed kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Size of the kernel once unpacked.
    pub raw_size: u32,
    /// Size of the zlib stream that follows the header.
    pub packed_size: u32,
    /// Where the kernel runs (and the base the branch filter used).
    pub load_address: u32,
}

/// Why a header was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The bytes do not start with [`MAGIC`].
    BadMagic,
    /// An empty kernel or an empty stream.
    Empty,
}

impl Header {
    /// The header's bytes: magic, then the three fields little-endian.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[..4].copy_from_slice(&MAGIC);
        bytes[4..8].copy_from_slice(&self.raw_size.to_le_bytes());
        bytes[8..12].copy_from_slice(&self.packed_size.to_le_bytes());
        bytes[12..].copy_from_slice(&self.load_address.to_le_bytes());
        bytes
    }

    /// Reads a header.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Result<Header, HeaderError> {
        if bytes[..4] != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let header = Header { raw_size: word(4), packed_size: word(8), load_address: word(12) };
        if header.raw_size == 0 || header.packed_size == 0 {
            return Err(HeaderError::Empty);
        }
        Ok(header)
    }
}

/// Why a well-formed header cannot describe the image it sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The kernel would not run where it is linked.
    WrongLoadAddress,
    /// The zlib stream would run past the end of the loaded image.
    StreamPastImage,
    /// The unpacked kernel would reach the decompressor.
    KernelTooLarge,
}

impl LayoutError {
    /// What the decompressor says about it.
    pub const fn message(self) -> &'static str {
        match self {
            LayoutError::WrongLoadAddress => "the header's load address is not the kernel's",
            LayoutError::StreamPastImage => "the header's packed size runs past the image",
            LayoutError::KernelTooLarge => "the unpacked kernel would overlap the decompressor",
        }
    }
}

impl Header {
    /// Checks the header against the memory it describes, before anything
    /// is copied: the header lies at `header_at`, the loaded image ends at or
    /// below `image_limit` (where the decompressor moved itself), and the
    /// kernel must run at `kernel_address`. A damaged size or address is
    /// refused here instead of copying gigabytes or unpacking over the
    /// firmware's spin table.
    pub fn check_layout(
        &self,
        header_at: usize,
        image_limit: usize,
        kernel_address: usize,
    ) -> Result<(), LayoutError> {
        let fits = |start: usize, len: u32| {
            start.checked_add(len as usize).is_some_and(|end| end <= image_limit)
        };
        if self.load_address as usize != kernel_address {
            return Err(LayoutError::WrongLoadAddress);
        }
        if !fits(header_at.saturating_add(HEADER_LEN), self.packed_size) {
            return Err(LayoutError::StreamPastImage);
        }
        if !fits(kernel_address, self.raw_size) {
            return Err(LayoutError::KernelTooLarge);
        }
        Ok(())
    }
}

/// Offset of the header in a packed image whose decompressor is `stub_len`
/// bytes long (the next multiple of 16).
pub const fn header_offset(stub_len: usize) -> usize {
    stub_len.next_multiple_of(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let header = Header { raw_size: 119_072, packed_size: 58_701, load_address: 0x80000 };
        assert_eq!(Header::parse(&header.to_bytes()), Ok(header));
    }

    #[test]
    fn bad_headers_are_refused() {
        let mut bytes = Header { raw_size: 1, packed_size: 1, load_address: 0 }.to_bytes();
        bytes[0] = b'X';
        assert_eq!(Header::parse(&bytes), Err(HeaderError::BadMagic));
        let empty = Header { raw_size: 0, packed_size: 9, load_address: 0x80000 }.to_bytes();
        assert_eq!(Header::parse(&empty), Err(HeaderError::Empty));
    }

    #[test]
    fn a_header_must_fit_the_image_it_sits_in() {
        // As in a real image: decompressor at 0x80000, header after it, the
        // decompressor moved to 0x2000000.
        let (header_at, limit, kernel) = (0x81e60, 0x200_0000, 0x80000);
        let good = Header { raw_size: 110_880, packed_size: 54_500, load_address: 0x80000 };
        assert_eq!(good.check_layout(header_at, limit, kernel), Ok(()));
        let check = |header: Header| header.check_layout(header_at, limit, kernel);
        for load_address in [0, 0x8_0004, 0x18_0000, u32::MAX] {
            let moved = Header { load_address, ..good };
            assert_eq!(check(moved), Err(LayoutError::WrongLoadAddress), "{load_address:#x}");
        }
        // One bit flipped in the packed size, and the largest that still fits.
        let stream_room = (limit - header_at - HEADER_LEN) as u32;
        for packed_size in [good.packed_size | 1 << 31, u32::MAX, stream_room + 1] {
            let long = Header { packed_size, ..good };
            assert_eq!(check(long), Err(LayoutError::StreamPastImage), "{packed_size:#x}");
        }
        assert_eq!(check(Header { packed_size: stream_room, ..good }), Ok(()));
        let kernel_room = (limit - kernel) as u32;
        for raw_size in [good.raw_size | 1 << 31, u32::MAX, kernel_room + 1] {
            let large = Header { raw_size, ..good };
            assert_eq!(check(large), Err(LayoutError::KernelTooLarge), "{raw_size:#x}");
        }
        assert_eq!(check(Header { raw_size: kernel_room, ..good }), Ok(()));
        // Addresses at the top of the address space do not wrap around.
        assert_eq!(
            good.check_layout(usize::MAX - 8, usize::MAX, kernel),
            Err(LayoutError::StreamPastImage)
        );
    }

    #[test]
    fn the_header_follows_the_stub_on_a_16_byte_boundary() {
        assert_eq!(header_offset(0), 0);
        assert_eq!(header_offset(3000), 3008);
        assert_eq!(header_offset(3008), 3008);
    }
}
