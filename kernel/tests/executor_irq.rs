//! Interrupts are the reactor: the UART's receive interrupt handler records
//! the event in an `IrqEvent` and wakes the waiting task (it never polls it),
//! and a task spawned from the handler runs after the handler returns.
#![no_std]
#![no_main]

use async_core::reactor::IrqEvent;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::executor::{block_on, yield_now};
use kernel::{board, console, irq, println, testing};

kernel::test_spec!(
    "expect waiting for input",
    "send x",
    "expect woken by 1 receive interrupt(s); read 'x'; the task spawned by the handler ran",
);
kernel::test_main!(main);

static RECEIVED: IrqEvent = IrqEvent::new();
static SPAWNED_TASK_RAN: AtomicBool = AtomicBool::new(false);
static HANDLER_POLLED_NOTHING: AtomicBool = AtomicBool::new(true);

fn on_receive(_line: irq::IrqLine) {
    console::disable_rx_interrupts();
    RECEIVED.signal();
    // Spawning from an interrupt handler is supported: the task runs later.
    async_core::spawn(async {
        SPAWNED_TASK_RAN.store(true, Ordering::SeqCst);
    })
    .detach();
    if SPAWNED_TASK_RAN.load(Ordering::SeqCst) {
        HANDLER_POLLED_NOTHING.store(false, Ordering::SeqCst);
    }
}

fn main() -> ! {
    block_on(async {
        irq::register(board::irq::UART0, on_receive).expect("UART0 line is free");
        irq::enable(board::irq::UART0);
        console::enable_rx_interrupts();
        println!("waiting for input");
        let events = RECEIVED.wait().await;
        let byte = console::read_byte().expect("the interrupt means a byte is waiting");
        yield_now().await; // the spawned task is queued behind us
        assert!(SPAWNED_TASK_RAN.load(Ordering::SeqCst), "the task spawned by the handler ran");
        assert!(HANDLER_POLLED_NOTHING.load(Ordering::SeqCst), "the handler did not run the task");
        println!(
            "woken by {events} receive interrupt(s); read '{}'; the task spawned by the handler ran",
            byte as char
        );
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
