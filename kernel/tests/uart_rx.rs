//! 64 KiB of pseudo-random bytes typed by the test runner arrive through the
//! interrupt-driven reader intact and in order (CRC-32 matches the runner's),
//! with nothing dropped.
#![no_std]
#![no_main]

use driver_core::crc32::Crc32;
use kernel::drivers::uart::{self, UartConfig};
use kernel::executor::block_on;
use kernel::{println, testing};

kernel::test_spec!(
    // A real line's pace (4x the console's 115200): QEMU would otherwise
    // deliver input faster than any reader, and the ring drops what overflows.
    "baud 460800",
    "expect receiving",
    "send-random 65536 1",
    "expect received 65536 bytes, crc32 {random-crc32 65536 1}",
    "expect dropped 0, errors 0",
);
kernel::test_main!(main);

fn main() -> ! {
    block_on(async {
        let (mut rx, _tx) = uart::start(UartConfig::default()).expect("UART0 is free");
        println!("receiving");
        let mut crc = Crc32::new();
        let mut total = 0usize;
        let mut buf = [0u8; 256];
        while total < 65536 {
            let n = rx.read(&mut buf[..(65536 - total).min(256)]).await;
            crc.update(&buf[..n]);
            total += n;
            let dropped = uart::counters().dropped;
            assert_eq!(dropped, 0, "{dropped} bytes dropped after {total}: the reader fell behind");
        }
        let c = uart::counters();
        println!("received {total} bytes, crc32 {:08x}", crc.finish());
        println!("dropped {}, errors {}", c.dropped, c.errors());
        assert_eq!(c.received, 65536);
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
