//! A flood faster than a deliberately slow reader: the receive ring fills,
//! the extra bytes are dropped and counted (received + dropped = sent, so the
//! count is exact), each run of dropped bytes is reported by `read_marked`
//! with the first byte after it — checked against the runner's byte stream,
//! which the test regenerates — and afterwards the kernel still answers.
#![no_std]
#![no_main]

extern crate alloc;

use driver_core::pattern::Pattern;
use driver_core::ring::MAX_LOST_REPORTED;
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
        // What the runner sends ("send-random 102400 5").
        let sent: alloc::vec::Vec<u8> = Pattern::new(5).take(SENT as usize).collect();
        let mut read = 0u64;
        // Where in `sent` the next byte read comes from, and the gaps seen.
        let (mut at, mut skipped, mut gaps) = (0usize, 0usize, 0u32);
        let mut buf = [0u8; 16];
        // Slow: 16 bytes per millisecond, far below what the runner sends.
        while let Ok(popped) = timeout(Duration::from_millis(300), rx.read_marked(&mut buf)).await {
            let chunk = &buf[..popped.bytes];
            if popped.lost_before > 0 {
                // The bytes after a gap: the first place at least that far on
                // where they occur in the stream (16 random bytes: unique).
                let from = at + popped.lost_before;
                let found = (from..=sent.len() - chunk.len())
                    .find(|&q| sent[q..q + chunk.len()] == *chunk)
                    .expect("the bytes after a gap are further on in the stream");
                let lost = found - at;
                assert_eq!(popped.lost_before, lost.min(MAX_LOST_REPORTED), "count of gap at {at}");
                (skipped, gaps, at) = (skipped + lost, gaps + 1, found);
            }
            assert_eq!(sent[at..at + chunk.len()], *chunk, "no unreported gap before byte {at}");
            at += chunk.len();
            read += chunk.len() as u64;
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
        println!("{gaps} gaps, reported in place, {skipped} bytes in them");
        // The bytes dropped after the last one read are in no gap yet.
        assert_eq!(skipped as u64 + (SENT - at as u64), c.dropped, "every drop is in a gap");
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
