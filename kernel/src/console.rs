//! The kernel console: PL011 UART0 on GPIO 14 (TX) and 15 (RX), 115200 8N1.
//!
//! [`print!`](crate::print) and [`println!`](crate::println) write through an
//! IRQ-safe lock, so lines from interrupt handlers and the main code never
//! interleave. Crash reports use [`write_unlocked`] instead, which takes no lock.
//!
//! On both the Pi 3 and the Pi 4 the firmware gives the PL011 to Bluetooth and
//! puts the mini UART on GPIO 14/15; [`init`] moves the PL011 to GPIO 14/15
//! (function ALT0) with the pulls off, and computes the baud divisor from the
//! 48 MHz UART clock (`init_uart_clock` in config.txt).

use crate::board;
use crate::drivers::gpio::{Function, Gpio, Pull};
use crate::drivers::pl011::Pl011;
use crate::sync::IrqSafeSpinLock;
use core::fmt::{self, Write};

/// Console baud rate.
pub const BAUD_RATE: u32 = 115_200;

// SAFETY: the board module names the PL011's real register block.
static CONSOLE: IrqSafeSpinLock<Pl011> =
    IrqSafeSpinLock::new(unsafe { Pl011::new(board::PL011_BASE) });

/// Routes GPIO 14/15 to the PL011 and configures it for 115200 8N1.
pub fn init() {
    // SAFETY: the board module names the GPIO block; boot is single-threaded, so
    // nothing else is changing these pins.
    let gpio = unsafe { Gpio::new(board::GPIO_BASE) };
    for pin in [board::CONSOLE_TX_PIN, board::CONSOLE_RX_PIN] {
        gpio.set_pull(pin, Pull::None);
        gpio.set_function(pin, Function::Alt0);
    }
    let mut uart = CONSOLE.lock();
    if uart.init(board::UART_CLOCK_HZ, BAUD_RATE).is_err() {
        // Cannot happen with the board's constants; keep the firmware's setup.
        let _ = uart.write_str("console: baud rate out of range; UART left as configured\n");
    }
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    let _ = CONSOLE.lock().write_fmt(args);
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
