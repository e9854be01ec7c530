//! UART0 on the header: the PL011 at 115200 8N1 on GPIO 14 (TX) and 15 (RX).
//!
//! On both the Pi 3 and the Pi 4 the firmware gives the PL011 to Bluetooth
//! (GPIO 30-33: CTS0, RTS0, TXD0, RXD0, function ALT3) and puts the mini
//! UART on GPIO 14/15. [`attach`] releases the Bluetooth pins (inputs, so
//! RXD0 has a single source), configures the PL011 with the
//! divisor computed from the 48 MHz UART clock (`init_uart_clock` in
//! config.txt), then moves it to GPIO 14/15 (ALT0; RX pulled up, so a line
//! with no adapter on it idles high, as a UART line does, instead of floating
//! into framing errors) and discards whatever the pin switch left in the
//! receive FIFO. The kernel's console and the chainloader both start this way.

use crate::board;
use crate::gpio::{Function, Gpio, Pull};
use crate::pl011::{BaudRateError, Pl011};

/// The console's baud rate.
pub const BAUD_RATE: u32 = 115_200;

/// Sets up `uart` (UART0) and the pins, as described above.
pub fn attach(uart: &mut Pl011, gpio: &Gpio) -> Result<(), BaudRateError> {
    for &pin in board::BLUETOOTH_UART_PINS {
        gpio.set_function(pin, Function::Input);
    }
    let configured = uart.init(board::UART_CLOCK_HZ, BAUD_RATE);
    for (pin, pull) in [(board::CONSOLE_TX_PIN, Pull::None), (board::CONSOLE_RX_PIN, Pull::Up)] {
        gpio.set_pull(pin, pull);
        gpio.set_function(pin, Function::Alt0);
    }
    uart.discard_input();
    configured
}
