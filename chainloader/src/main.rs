//! The serial chainloader: put on the SD card as `kernel8.img`, it waits on
//! UART0 for a kernel image, checks it, and starts it exactly as the firmware
//! would have — so a developer pushes each new build over the serial line
//! (`make chainboot`) instead of moving the SD card.
//!
//! It runs with the MMU and caches off, at the exception level the firmware
//! chose (EL2), using only the `soc` crate's polled PL011 and GPIO drivers: no
//! atomics (which need the MMU on a real Pi), no allocator, no interrupts.
//!
//! 1. The entry code shared with the kernel decompressor (`soc::program`)
//!    copies the loader from 0x80000 to 0x2000000 (`soc/program.ld`) and
//!    continues there, so 0x80000 onwards is free for the kernel.
//! 2. [`program_main`] sets up UART0 (115200 8N1 on GPIO 14/15) and feeds every
//!    received byte, and the passage of time, to the protocol's state machine
//!    (`driver_core::chainload::Loader`), which writes the image to 0x80000.
//! 3. A bad magic, an oversized image, a CRC mismatch, a byte the UART lost
//!    or garbled mid-transfer (overrun, framing or parity error, break) or a
//!    stalled transfer is reported and the loader waits again; a good image is started with x0 as
//!    the firmware gave it, x1-x3 zero, at the same exception level.
//!
//! docs/hardware.md describes the workflow; `driver_core::chainload` the protocol.
#![no_std]
#![no_main]

use core::fmt::Write;
use driver_core::chainload::{ERROR_LINE, Event, LineFault, Loader};
use soc::board;
use soc::gpio::Gpio;
use soc::pl011::{Pl011, data_error};

use soc::cpu::current_el;
use soc::program::{KERNEL_ADDRESS, start_kernel};

/// Entered from the shared entry code on core 0 with the firmware's x0.
#[unsafe(no_mangle)]
pub extern "C" fn program_main(boot_argument: u64, _loaded_at: usize) -> ! {
    // SAFETY: the board module names UART0 and the GPIO block; this is the
    // only code running, and the MMU is off, so the addresses are physical.
    let (mut uart, gpio) = unsafe { (Pl011::new(board::PL011_BASE), Gpio::new(board::GPIO_BASE)) };
    // A real Pi would fetch every instruction from DRAM with the MMU off: at
    // 115200 baud a byte comes every 87 us, and the 16-byte receive FIFO
    // must not overrun while a byte is checked and stored.
    let instruction_cache = soc::cpu::InstructionCache::enable();
    let _ = soc::uart0::attach(&mut uart, &gpio);
    let room = kernel_room(boot_argument);
    let _ = write!(
        uart,
        "\nasync-pi chainloader {} for {} ({}, EL{}): kernels go to {KERNEL_ADDRESS:#x}\n",
        env!("CARGO_PKG_VERSION"),
        board::BSP_NAME,
        board::EXPECTED_BOARD,
        current_el(),
    );
    // SAFETY: [KERNEL_ADDRESS, KERNEL_ADDRESS + room) is RAM that nothing
    // uses: below the loader's own copy, above the firmware's stub and spin
    // table, and clear of the device tree (`kernel_room`). The loader is the
    // only code running, so this slice is its only alias.
    let destination = unsafe { core::slice::from_raw_parts_mut(KERNEL_ADDRESS as *mut u8, room) };
    let mut loader = Loader::new(room as u32);
    loop {
        let now = soc::cpu::counter_millis();
        let event = match uart.read_word() {
            Some(word) => match line_fault(word) {
                Some(fault) => loader.line_fault(fault, now),
                None => loader.feed(word as u8, now, destination),
            },
            None => loader.poll(now),
        };
        let _ = event.write_line(room as u32, KERNEL_ADDRESS, &mut uart);
        if let Event::Complete(_) = event {
            uart.flush();
            instruction_cache.restore();
            // SAFETY: a complete image whose CRC-32 matches is at
            // KERNEL_ADDRESS; from here on it owns the machine.
            unsafe { start_kernel(boot_argument, KERNEL_ADDRESS) }
        }
    }
}

/// What the UART reported wrong with a received data word, if anything
/// (an overrun first: bytes before this one are gone, whatever this one is).
fn line_fault(word: u32) -> Option<LineFault> {
    [
        (data_error::OVERRUN, LineFault::Overrun),
        (data_error::BREAK, LineFault::Break),
        (data_error::FRAMING, LineFault::Framing),
        (data_error::PARITY, LineFault::Parity),
    ]
    .into_iter()
    .find_map(|(flag, fault)| (word & flag != 0).then_some(fault))
}

/// Bytes a kernel may take at 0x80000: up to the loader's own copy, or up to
/// the device tree if the firmware put one in between (x0 at entry points to
/// it; the kernel will want to read it).
fn kernel_room(boot_argument: u64) -> usize {
    let loader = soc::program::start_address();
    let end = match device_tree_start(boot_argument) {
        Some(start) if start > KERNEL_ADDRESS && start < loader => start,
        _ => loader,
    };
    end - KERNEL_ADDRESS
}

/// The device tree's address if `address` holds one (magic 0xd00dfeed, big-endian).
fn device_tree_start(address: u64) -> Option<usize> {
    const FDT_MAGIC: u32 = 0xd00d_feed;
    let address = usize::try_from(address).ok()?;
    if address == 0 || !address.is_multiple_of(4) {
        return None;
    }
    // SAFETY: with the MMU off every physical address below the peripherals is
    // RAM; a 4-byte aligned read of it has no side effects.
    let magic = unsafe { (address as *const u32).read_volatile() };
    (u32::from_be(magic) == FDT_MAGIC).then_some(address)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: a second handle on UART0; the loop that held the first one
    // panicked and does not continue.
    let mut uart = unsafe { Pl011::new(board::PL011_BASE) };
    let _ = write!(uart, "\n{ERROR_LINE} the loader panicked: {info}\n");
    uart.flush();
    loop {
        core::hint::spin_loop();
    }
}
