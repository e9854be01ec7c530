//! `read_line` on the UART: `\r`, `\n` and `\r\n` end a line, an over-long
//! line is an error and its rest is discarded, NUL and garbage bytes are data.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kernel::drivers::uart::{self, LineError, LineReader, UartConfig};
use kernel::executor::block_on;
use kernel::{println, testing};

kernel::test_spec!(
    "expect send lines",
    "send one\\rtwo\\nthree\\r\\nfour\\r",
    "send \\n",
    "send 0123456789012345678901234567890123456789-too-long\\r\\n",
    "send a\\x00b\\xff\\x1b[A\\n",
    "send end\\n",
    "expect lines: one|two|three|four|(too long)|a.b..[A|end",
);
kernel::test_main!(main);

fn main() -> ! {
    block_on(async {
        let (mut rx, _tx) = uart::start(UartConfig::default()).expect("UART0 is free");
        let mut reader = LineReader::new(32);
        println!("send lines");
        let mut seen: Vec<alloc::string::String> = Vec::new();
        loop {
            match reader.read_line(&mut rx).await {
                Ok(line) => {
                    let text: alloc::string::String = line
                        .iter()
                        .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
                        .collect();
                    let end = text == "end";
                    seen.push(text);
                    if end {
                        break;
                    }
                }
                Err(LineError::TooLong) => seen.push("(too long)".into()),
            }
        }
        println!("lines: {}", seen.join("|"));
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
