//! A flood faster than a deliberately slow reader: the receive ring fills,
//! the extra bytes are dropped and counted (received + dropped = sent, so the
//! count is exact), and afterwards the kernel still answers.
#![no_std]
#![no_main]

use kernel::drivers::uart::{self, LineReader, UartConfig};
use kernel::executor::block_on;
use kernel::time::{Duration, sleep, timeout};
use kernel::{println, testing};

const SENT: u64 = 102_400;

kernel::test_spec!(
    "expect flood me",
    "send-random 102400 5",
    "expect flood over: all 102400 bytes accounted for",
    "send \\rping\\r",
    "expect pong",
);
kernel::test_main!(main);

fn main() -> ! {
    block_on(async {
        let (mut rx, _tx) = uart::start(UartConfig::default()).expect("UART0 is free");
        println!("flood me");
        let mut read = 0u64;
        let mut buf = [0u8; 16];
        // Slow: 16 bytes per millisecond, far below what the runner sends.
        while let Ok(n) = timeout(Duration::from_millis(300), rx.read(&mut buf)).await {
            read += n as u64;
            sleep(Duration::from_millis(1)).await;
        }
        let c = uart::counters();
        println!(
            "read {read}, received {}, dropped {}, errors {}",
            c.received,
            c.dropped,
            c.errors()
        );
        assert_eq!(read, c.received, "everything stored was read");
        assert!(c.dropped > 0, "the flood overflowed the ring");
        assert_eq!(
            c.received + c.dropped,
            SENT,
            "every byte is either received or counted as dropped"
        );
        println!("flood over: all {SENT} bytes accounted for");
        let mut lines = LineReader::new(64);
        loop {
            if let Ok(b"ping") = lines.read_line(&mut rx).await {
                break;
            }
        }
        println!("pong");
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
