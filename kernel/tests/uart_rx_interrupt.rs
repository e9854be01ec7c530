//! Bytes typed into the console raise the PL011's receive interrupt: the
//! handler drains the FIFO, and the main loop, sleeping in WFI, sees them.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU8, AtomicU32, AtomicUsize, Ordering};
use kernel::arch::{cpu, timer};
use kernel::{board, console, irq, println, testing};

kernel::test_spec!(
    "expect ready for input",
    "send hello\\r",
    "expect received 'hello' through ",
    "expect  RX interrupt(s)",
);
kernel::test_main!(main);

const CAPACITY: usize = 64;
static BYTES: [AtomicU8; CAPACITY] = [const { AtomicU8::new(0) }; CAPACITY];
static LENGTH: AtomicUsize = AtomicUsize::new(0);
static INTERRUPTS: AtomicU32 = AtomicU32::new(0);

fn on_receive(_line: irq::IrqLine) {
    INTERRUPTS.fetch_add(1, Ordering::SeqCst);
    while let Some(byte) = console::read_byte() {
        let n = LENGTH.load(Ordering::SeqCst);
        if n < CAPACITY {
            BYTES[n].store(byte, Ordering::SeqCst);
            LENGTH.store(n + 1, Ordering::SeqCst);
        }
    }
}

fn received() -> ([u8; CAPACITY], usize) {
    let mut out = [0u8; CAPACITY];
    let n = LENGTH.load(Ordering::SeqCst);
    for (i, b) in out.iter_mut().enumerate().take(n) {
        *b = BYTES[i].load(Ordering::SeqCst);
    }
    (out, n)
}

fn main() -> ! {
    irq::register(board::irq::UART0, on_receive).expect("UART0 line is free");
    irq::enable(board::irq::UART0);
    console::enable_rx_interrupts();
    println!("ready for input");
    let start = timer::now();
    loop {
        let (bytes, n) = received();
        if bytes[..n].contains(&b'\r') {
            break;
        }
        assert!(timer::now() - start < timer::frequency() * 10, "no input within 10 s");
        let state = cpu::mask_irqs();
        if LENGTH.load(Ordering::SeqCst) == n {
            cpu::wait_for_interrupt();
        }
        cpu::restore_irqs(state);
    }
    let (bytes, n) = received();
    let text = core::str::from_utf8(&bytes[..n - 1]).expect("ASCII");
    let interrupts = INTERRUPTS.load(Ordering::SeqCst);
    assert_eq!(text, "hello");
    assert!(interrupts >= 1);
    assert_eq!(irq::count(board::irq::UART0), interrupts as u64);
    println!("received '{text}' through {interrupts} RX interrupt(s)");
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
