//! The decompressor's decoder on arbitrary bytes: it must return an error or
//! a length within the destination, never panic or write out of bounds (the
//! decoder itself checks the Adler-32 of what it decoded). The header parser
//! must not panic, and the branch filter must round-trip whatever it gets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use packed_image::{Header, branch_filter, inflate};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the destination size (0..=64 KiB in 256-byte steps).
    let Some((&size, stream)) = data.split_first() else { return };
    let mut output = vec![0u8; usize::from(size) * 256];
    if let Ok(written) = inflate::inflate_zlib(stream, &mut output) {
        assert!(written <= output.len());
    }
    if let Some(header) = stream.first_chunk() {
        let _ = Header::parse(header);
    }
    let mut filtered = stream.to_vec();
    branch_filter::encode(&mut filtered, 0x80000);
    branch_filter::decode(&mut filtered, 0x80000);
    assert_eq!(filtered, stream);
});
