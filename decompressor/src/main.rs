//! The decompressor: the first bytes of a packed `kernel8.img`.
//!
//! A packed image is this program, a header and the kernel compressed
//! (`packed_image` describes the format; `tools/qemu-runner image --packed`
//! writes it). Whoever loads kernel8.img at 0x80000 — the firmware, QEMU, the
//! chainloader — starts this program, which
//!
//! 1. moves itself to 0x2000000 (the entry code shared with the chainloader,
//!    `soc::program`), leaving the header and packed kernel where they were
//!    loaded;
//! 2. checks the header and copies the packed kernel above itself, so
//!    unpacking cannot overwrite what it has yet to read;
//! 3. unpacks it to the header's load address (0x80000), checking the
//!    stream's Adler-32, and undoes the branch filter;
//! 4. starts the kernel exactly as the firmware would have: same exception
//!    level, x0 as given, x1-x3 zero, MMU and data cache off.
//!
//! A damaged image is reported on UART0 and the core waits; it never jumps to
//! a kernel it could not unpack. Like the chainloader it runs with the MMU
//! off: no atomics, no allocator, no interrupts. The instruction cache is on
//! while it works (a real Pi fetches every instruction from DRAM otherwise)
//! and off again before the kernel starts.
#![no_std]
#![no_main]

use packed_image::{HEADER_LEN, Header, branch_filter, header_offset, inflate};
use soc::board;
use soc::pl011::Pl011;
use soc::program;

/// Entered from the shared entry code on core 0.
#[unsafe(no_mangle)]
pub extern "C" fn program_main(boot_argument: u64, loaded_at: usize) -> ! {
    let instruction_cache = soc::cpu::InstructionCache::enable();
    let header_at = loaded_at + header_offset(program::image_len());
    // SAFETY: the header follows the program in the loaded image (the entry
    // code moved only the program itself, so this memory is intact).
    let header_bytes = unsafe { &*(header_at as *const [u8; HEADER_LEN]) };
    let header = match Header::parse(header_bytes) {
        Ok(header) => header,
        Err(_) => fail("no packed kernel after the decompressor (bad header)"),
    };
    // The loaded image lies below where the entry code moved the program.
    if let Err(error) =
        header.check_layout(header_at, program::start_address(), program::KERNEL_ADDRESS)
    {
        fail(error.message());
    }
    let destination = header.load_address as usize;
    let raw_size = header.raw_size as usize;
    let packed_size = header.packed_size as usize;
    // Move the packed kernel above the program: unpacking to 0x80000 would
    // otherwise overwrite it before it is read.
    let packed_at = program::end_address().next_multiple_of(16);
    // SAFETY: the packed bytes follow the header inside the loaded image,
    // below the program (`check_layout`); the buffer above the program is
    // free RAM (nothing else runs), so the two do not overlap.
    let packed = unsafe {
        core::ptr::copy_nonoverlapping(
            (header_at + HEADER_LEN) as *const u8,
            packed_at as *mut u8,
            packed_size,
        );
        core::slice::from_raw_parts(packed_at as *const u8, packed_size)
    };
    // SAFETY: [destination, destination + raw_size) is below the program
    // (checked above) and holds nothing live: the loaded image there has been
    // read (header) or copied away (packed kernel).
    let kernel = unsafe { core::slice::from_raw_parts_mut(destination as *mut u8, raw_size) };
    match inflate::inflate_zlib(packed, kernel) {
        Ok(written) if written == raw_size => {}
        Ok(_) => fail("the packed kernel is shorter than its header says"),
        Err(error) => fail(error.message()),
    }
    // SAFETY: the same memory as `kernel`, whose last use was above; the
    // load address is KERNEL_ADDRESS (checked), word-aligned, and
    // `raw_size / 4` words fit.
    let kernel_words =
        unsafe { core::slice::from_raw_parts_mut(destination as *mut u32, raw_size / 4) };
    branch_filter::decode_words(kernel_words, u64::from(header.load_address));
    instruction_cache.restore();
    // SAFETY: the kernel is complete at `destination` (its stream's checksum
    // matched); from here on it owns the machine.
    unsafe { program::start_kernel(boot_argument, destination) }
}

/// Reports why the kernel cannot be started, then waits for a reset.
fn fail(reason: &str) -> ! {
    // SAFETY: the board's UART0 and GPIO blocks; this is the only code running
    // and the MMU is off, so the addresses are physical.
    let (mut uart, gpio) =
        unsafe { (Pl011::new(board::PL011_BASE), soc::gpio::Gpio::new(board::GPIO_BASE)) };
    let _ = soc::uart0::attach(&mut uart, &gpio);
    for part in [
        "\ndecompressor: error: ",
        reason,
        "\ndecompressor: kernel8.img is damaged; rebuild it (make) or rewrite the SD card\n",
    ] {
        uart.write_bytes(part.as_bytes());
    }
    uart.flush();
    loop {
        // SAFETY: waiting for an interrupt has no other effect.
        unsafe { core::arch::asm!("wfi", options(nomem, nostack)) };
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    fail("internal error (a bug in the decompressor)")
}
