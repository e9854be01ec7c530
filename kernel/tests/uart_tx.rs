//! 64 KiB written through the interrupt-paced writer arrive complete and
//! byte-exact (the runner compares them with the same pattern).
#![no_std]
#![no_main]

use driver_core::pattern::Pattern;
use kernel::drivers::uart::{self, UartConfig};
use kernel::executor::block_on;
use kernel::{println, testing};

kernel::test_spec!("expect BEGIN\\r\\n", "expect-random 65536 2", "expect END");
kernel::test_main!(main);

fn main() -> ! {
    block_on(async {
        let (_rx, mut tx) = uart::start(UartConfig::default()).expect("UART0 is free");
        println!("BEGIN");
        let mut pattern = Pattern::new(2);
        let mut chunk = [0u8; 700]; // not a multiple of the FIFO size
        let mut left = 65536usize;
        while left > 0 {
            let n = left.min(chunk.len());
            pattern.fill(&mut chunk[..n]);
            tx.write_all(&chunk[..n]).await;
            left -= n;
        }
        tx.flush().await;
        println!("END");
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
