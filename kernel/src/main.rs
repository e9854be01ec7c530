//! The kernel you boot with `make qemu` or from an SD card.
//!
//! After the boot banner it waits for console input with the core asleep in
//! WFI: the UART's receive interrupt wakes it, the handler only masks the
//! interrupt (recording that input arrived), and the main loop drains the FIFO
//! and re-arms it. Keys: `r` reboots, `p` powers off, anything else is echoed.
#![no_std]
#![no_main]

use kernel::arch::cpu;
use kernel::{board, console, irq, power, println};

kernel::kernel_main!(main);

fn main() -> ! {
    if let Err(error) = irq::register(board::irq::UART0, on_uart_receive) {
        log::error!("console input unavailable: {error}");
        cpu::halt();
    }
    irq::enable(board::irq::UART0);
    println!("Type r to reboot, p to power off; other keys are echoed. In QEMU, Ctrl-A X quits.");
    loop {
        while let Some(byte) = console::read_byte() {
            match byte {
                b'r' => power::reboot(),
                b'p' => power::power_off(),
                b'\r' | b'\n' => println!(),
                0x20..=0x7e => kernel::print!("{}", byte as char),
                _ => kernel::print!("<{byte:#04x}>"),
            }
        }
        // Sleep until the next interrupt without missing input: with IRQs
        // masked, re-arm the receive interrupt, then check the FIFO once more
        // (a byte that arrived before the re-arm raises no interrupt). WFI
        // wakes on a pending interrupt even while IRQs are masked.
        let irq_state = cpu::mask_irqs();
        console::enable_rx_interrupts();
        if !console::input_pending() {
            cpu::wait_for_interrupt();
        }
        cpu::restore_irqs(irq_state);
    }
}

/// UART0 receive interrupt: input is waiting. Mask the interrupt (dropping the
/// line) and let the main loop read the bytes.
fn on_uart_receive(_line: irq::IrqLine) {
    console::disable_rx_interrupts();
}
