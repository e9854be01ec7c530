//! The shell's output side: formatted text to UART0 through the async writer,
//! with `\n` sent as `\r\n` (the terminal is raw).
//!
//! Commands format synchronously into a buffer ([`say!`], which is
//! [`Terminal::format`]); [`Terminal::flush`] then sends the buffer, sleeping on
//! the transmit interrupt when the FIFO is full. Keeping formatting out of the
//! `.await`s keeps the shell's future small (one await per command's output,
//! not one per line) and `Send` (`format_args!`'s temporaries never live
//! across an await).

use crate::drivers::uart::UartWriter;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// UART0's writer plus a formatting buffer.
pub struct Terminal {
    tx: UartWriter,
    text: String,
    wire: Vec<u8>,
}

impl Terminal {
    /// A terminal on `tx`.
    pub fn new(tx: UartWriter) -> Self {
        Self { tx, text: String::new(), wire: Vec::new() }
    }

    /// Appends formatted text to the buffer (sent by the next [`flush`](Self::flush)).
    pub fn format(&mut self, args: fmt::Arguments<'_>) {
        let _ = self.text.write_fmt(args);
    }

    /// Sends the buffered text, `\n` as `\r\n`.
    pub async fn flush(&mut self) {
        let Self { tx, text, wire } = self;
        wire.clear();
        for &byte in text.as_bytes() {
            if byte == b'\n' {
                wire.push(b'\r');
            }
            wire.push(byte);
        }
        text.clear();
        tx.write_all(wire).await;
        // Keep a big table's buffer from pinning memory for the shell's lifetime.
        if wire.capacity() > 4096 {
            *wire = Vec::new();
            text.shrink_to(4096);
        }
    }

    /// Sends `bytes` exactly as they are (editor echo, escape sequences).
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        self.tx.write_all(bytes).await;
    }
}

/// `say!(terminal, "fmt", args...)`: format into the terminal's buffer (sent
/// by the next `flush().await`).
macro_rules! say {
    ($terminal:expr, $($arg:tt)*) => {
        $terminal.format(format_args!($($arg)*))
    };
}
pub(crate) use say;
