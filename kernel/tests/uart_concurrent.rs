//! A reader task, a writer task and a task toggling a GPIO pin run at once;
//! none blocks the others: 64 KiB in, 64 KiB out, and the pin toggles all the
//! while (checked through GPLEV after every toggle).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use driver_core::crc32::Crc32;
use driver_core::pattern::Pattern;
use kernel::drivers::gpio::{Function, Gpio};
use kernel::drivers::uart::{self, UartConfig};
use kernel::executor::{block_on, spawn, yield_now};
use kernel::{board, println, testing};

kernel::test_spec!(
    // A real line's pace (4x the console's 115200): QEMU would otherwise
    // deliver input faster than any reader, and the ring drops what overflows.
    "baud 460800",
    "expect ready",
    "send-random 65536 3",
    "expect BEGIN\\r\\n",
    "expect-random 65536 4",
    "expect END",
    "expect rx crc32 {random-crc32 65536 3}",
    "expect all three finished",
);
kernel::test_main!(main);

const PIN: u32 = 21;
static DONE: AtomicBool = AtomicBool::new(false);
static TOGGLES: AtomicU32 = AtomicU32::new(0);

fn main() -> ! {
    block_on(async {
        // A 16 KiB ring (the shell's; 350 ms at this pace): QEMU's UART has
        // no line timing, so input that piled up while the host held QEMU
        // back arrives at once — a 4 KiB ring (90 ms) still overflowed about
        // once in a hundred runs on a busy 2-core machine; a board's line
        // never bunches up like that. 64 KiB still has to pass through it
        // while the writer and the toggler run.
        let config = UartConfig { rx_capacity: 16 * 1024 };
        let (mut rx, mut tx) = uart::start(config).expect("UART0 is free");
        let toggler = spawn(async {
            // SAFETY: the board names the GPIO block; this test owns pin 21.
            let gpio = unsafe { Gpio::new(board::GPIO_BASE) };
            gpio.set_function(PIN, Function::Output);
            let mut high = false;
            while !DONE.load(Ordering::SeqCst) {
                high = !high;
                gpio.write(PIN, high);
                assert_eq!(gpio.read(PIN), high, "GPLEV follows the output");
                TOGGLES.fetch_add(1, Ordering::SeqCst);
                yield_now().await;
            }
        });
        println!("ready");
        let reader = spawn(async move {
            let mut crc = Crc32::new();
            let mut total = 0usize;
            let mut buf = [0u8; 128];
            let toggles_at_start = TOGGLES.load(Ordering::SeqCst);
            while total < 65536 {
                let n = rx.read(&mut buf[..(65536 - total).min(128)]).await;
                crc.update(&buf[..n]);
                total += n;
                let dropped = uart::counters().dropped;
                assert_eq!(
                    dropped, 0,
                    "{dropped} bytes dropped after {total}: the reader fell behind"
                );
            }
            (crc.finish(), TOGGLES.load(Ordering::SeqCst) - toggles_at_start)
        });
        let writer = spawn(async move {
            println!("BEGIN");
            let mut pattern = Pattern::new(4);
            let mut chunk = [0u8; 512];
            let toggles_at_start = TOGGLES.load(Ordering::SeqCst);
            for _ in 0..(65536 / 512) {
                pattern.fill(&mut chunk);
                tx.write_all(&chunk).await;
            }
            tx.flush().await;
            println!("END");
            TOGGLES.load(Ordering::SeqCst) - toggles_at_start
        });
        let toggles_during_write = writer.await.unwrap();
        let (crc, toggles_during_read) = reader.await.unwrap();
        DONE.store(true, Ordering::SeqCst);
        toggler.await.unwrap();
        println!("rx crc32 {crc:08x}");
        // The writer gives up the CPU at least every 256 bytes (its
        // cooperative budget): the toggler gets at least one turn per KiB.
        assert!(
            toggles_during_write >= 64,
            "the toggler ran while writing ({toggles_during_write})"
        );
        assert!(toggles_during_read >= 64, "the toggler ran while reading ({toggles_during_read})");
        println!("all three finished");
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
