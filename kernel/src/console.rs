//! The kernel console: PL011 UART0 on GPIO 14 (TX) and 15 (RX), 115200 8N1.
//!
//! [`print!`](crate::print) and [`println!`](crate::println) feed the UART's
//! transmit FIFO under an IRQ-safe lock, but only while the FIFO has room: when
//! it is full they release the lock (and so re-enable IRQs) while it drains.
//! Interrupts are therefore held off for a few microseconds at a time, never
//! for the ~7 ms a line takes at 115200 baud (which would overrun the 16-byte
//! receive FIFO on a real board). The price: text printed by an interrupt
//! handler may land inside a long line being printed. Crash reports use
//! [`write_unlocked`], which takes no lock.
//!
//! [`init`] takes the PL011 from Bluetooth and routes it to GPIO 14/15
//! (`soc::uart0` explains how and why). Start-up calls it first, before the
//! MMU is on, so that a crash report from the earliest code reaches the
//! header pins rather than the Bluetooth chip.

use crate::board;
use crate::drivers::gpio::Gpio;
use crate::drivers::pl011::Pl011;
use crate::sync::IrqSafeSpinLock;
use core::fmt::{self, Write};

/// Console baud rate.
pub const BAUD_RATE: u32 = soc::uart0::BAUD_RATE;

// SAFETY: the board module names the PL011's real register block.
static CONSOLE: IrqSafeSpinLock<Pl011> =
    IrqSafeSpinLock::new(unsafe { Pl011::new(board::PL011_BASE) });

/// Configures the PL011 for 115200 8N1 and routes it to GPIO 14/15
/// (`soc::uart0::attach`). Works with the MMU off: it takes no lock and uses
/// no atomics (exclusive loads and stores hang on a real Pi then).
///
/// # Safety
/// Only start-up may call this, once, before anything else uses the console
/// (the lock is not taken, so nothing may hold it) or these pins.
// Never inlined: the `atomics_after_mmu` test finds it by name in QEMU's
// instruction trace, to check that it runs before the MMU goes on.
#[inline(never)]
pub unsafe fn init() {
    // SAFETY: the board module names the GPIO block; boot is single-threaded, so
    // nothing else is changing these pins.
    let gpio = unsafe { Gpio::new(board::GPIO_BASE) };
    // SAFETY: a second handle on the console's registers, used while nothing
    // else can use the first (the caller's contract).
    let mut uart = unsafe { Pl011::new(board::PL011_BASE) };
    if soc::uart0::attach(&mut uart, &gpio).is_err() {
        // Cannot happen with the board's constants; keep the firmware's setup.
        let _ = uart.write_str("console: baud rate out of range; UART left as configured\n");
    }
}

/// Writes through the console lock, one FIFO's worth at a time.
struct ConsoleWriter;

impl Write for ConsoleWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_bytes(s.as_bytes());
        Ok(())
    }
}

/// Writes `bytes` (`\n` as `\r\n`), holding the lock only while the transmit
/// FIFO accepts bytes.
pub fn write_bytes(bytes: &[u8]) {
    let mut expanded = bytes
        .iter()
        .flat_map(|&b| if b == b'\n' { [Some(b'\r'), Some(b'\n')] } else { [Some(b), None] })
        .flatten()
        .peekable();
    while expanded.peek().is_some() {
        {
            let mut uart = CONSOLE.lock();
            while let Some(&byte) = expanded.peek() {
                if !uart.try_write_byte(byte) {
                    break;
                }
                expanded.next();
            }
        }
        if expanded.peek().is_some() {
            spin_until_room();
        }
    }
}

/// Puts as many of `bytes` as the transmit FIFO takes right now, unchanged
/// (no `\n` translation), under the console lock; returns how many.
pub fn try_write_raw(bytes: &[u8]) -> usize {
    let mut uart = CONSOLE.lock();
    bytes.iter().take_while(|&&b| uart.try_write_byte(b)).count()
}

/// Runs `f` on the PL011 under the console lock (for the async UART driver).
pub(crate) fn with_uart<R>(f: impl FnOnce(&mut Pl011) -> R) -> R {
    f(&mut CONSOLE.lock())
}

/// Waits, without the lock (IRQs enabled), until the transmit FIFO has room.
fn spin_until_room() {
    // SAFETY: reading the flag register through a second handle has no side effects.
    let uart = unsafe { Pl011::new(board::PL011_BASE) };
    while uart.output_full() {
        core::hint::spin_loop();
    }
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    let _ = ConsoleWriter.write_fmt(args);
}

/// Writes `bytes` to the UART without taking the console lock (`\n` becomes
/// `\r\n`). Only for crash reports: output may interleave with a holder of the lock.
pub fn write_unlocked(bytes: &[u8]) {
    // SAFETY: a second handle on the same registers; the caller accepts that its
    // bytes may interleave with another writer's. Each register access is a
    // single volatile read or write, so no access is torn.
    let mut uart = unsafe { Pl011::new(board::PL011_BASE) };
    uart.write_bytes(bytes);
}

/// Waits until everything written has left the UART, without the lock.
pub fn flush_unlocked() {
    // SAFETY: as in `write_unlocked`; flushing only reads the flag register.
    let uart = unsafe { Pl011::new(board::PL011_BASE) };
    uart.flush();
}

/// Returns a received byte if one is waiting (polling; the interrupt-driven
/// reader arrives with the async UART driver).
pub fn read_byte() -> Option<u8> {
    CONSOLE.lock().read_byte()
}

/// Whether received bytes are waiting in the UART's FIFO.
pub fn input_pending() -> bool {
    CONSOLE.lock().input_pending()
}

/// Enables the UART's receive interrupts (RX FIFO level and RX timeout).
pub fn enable_rx_interrupts() {
    CONSOLE.lock().set_rx_interrupts(true);
}

/// Disables the UART's receive interrupts, which also drops the line.
pub fn disable_rx_interrupts() {
    CONSOLE.lock().set_rx_interrupts(false);
}

/// Prints to the console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::console::_print(format_args!($($arg)*)));
}

/// Prints to the console, with a newline.
#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::console::_print(format_args!("{}\n", format_args!($($arg)*))));
}
