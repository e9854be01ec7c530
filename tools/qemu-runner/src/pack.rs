//! Packing a kernel: the decompressor's raw image, the header and the kernel
//! run through the branch filter and compressed with zopfli into a zlib
//! stream (the format is `packed_image`'s). The result is checked by unpacking
//! it with the decompressor's own decoder before it is written.

use crate::elf::KernelElf;
use packed_image::{Header, branch_filter, header_offset, inflate};

/// Zopfli iterations: more barely helps (58,705 bytes at 50 vs 58,701 at 15
/// for the kernel measured) and costs time on every build.
const ZOPFLI_ITERATIONS: u64 = 15;
/// At most this many splits (so at most 4 DEFLATE blocks): each block makes
/// the decompressor build its Huffman tables again. Against zopfli's default
/// of 15 this costs about 550 bytes of image and saves about 0.2 million
/// instructions of boot (docs/performance.md).
const MAX_BLOCK_SPLITS: u16 = 3;

/// The packed image of `kernel` behind `decompressor`.
pub fn pack(kernel: &KernelElf, decompressor: &KernelElf) -> Result<Vec<u8>, String> {
    if decompressor.board != kernel.board {
        return Err(format!(
            "the decompressor is built for {:?} but the kernel for {:?}",
            decompressor.board, kernel.board
        ));
    }
    let load_address = u32::try_from(kernel.load_address)
        .map_err(|_| format!("kernel load address {:#x} above 4 GiB", kernel.load_address))?;
    let mut filtered = kernel.image.clone();
    branch_filter::encode(&mut filtered, kernel.load_address);
    let mut stream = Vec::new();
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(ZOPFLI_ITERATIONS).expect("non-zero"),
        maximum_block_splits: MAX_BLOCK_SPLITS,
        ..Default::default()
    };
    zopfli::compress(options, zopfli::Format::Zlib, &filtered[..], &mut stream)
        .map_err(|e| format!("compression failed: {e}"))?;
    let header = Header {
        raw_size: u32::try_from(kernel.image.len()).map_err(|_| "kernel over 4 GiB")?,
        packed_size: u32::try_from(stream.len()).map_err(|_| "stream over 4 GiB")?,
        load_address,
    };
    let mut image = decompressor.image.clone();
    image.resize(header_offset(image.len()), 0);
    image.extend_from_slice(&header.to_bytes());
    image.extend_from_slice(&stream);
    check(&image, decompressor.image.len(), &kernel.image)?;
    Ok(image)
}

/// Unpacks `image` the way the decompressor will and compares with `raw`.
fn check(image: &[u8], stub_len: usize, raw: &[u8]) -> Result<(), String> {
    let at = header_offset(stub_len);
    let header_bytes = image[at..].first_chunk().ok_or("no header")?;
    let header = Header::parse(header_bytes).map_err(|e| format!("header: {e:?}"))?;
    let mut unpacked = vec![0u8; header.raw_size as usize];
    let stream = &image[at + packed_image::HEADER_LEN..];
    inflate::inflate_zlib(stream, &mut unpacked).map_err(|e| e.message().to_string())?;
    branch_filter::decode(&mut unpacked, u64::from(header.load_address));
    if unpacked != raw {
        return Err("the packed kernel does not unpack to the kernel (packer bug)".into());
    }
    Ok(())
}
