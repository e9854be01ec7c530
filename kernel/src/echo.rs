//! The default kernel's interactive loop until the shell arrives: echoes what
//! is typed; `r` reboots, `p` powers off.
//!
//! It sleeps in WFI between keys. The UART's receive interrupt wakes it; the
//! handler only masks that interrupt (recording that input arrived), and the
//! loop drains the FIFO and re-arms it — the reactor pattern in miniature.

use crate::arch::cpu;
use crate::{board, console, irq, power, print, println};

/// The banner line that tells the user what the keys do.
pub const PROMPT: &str =
    "Type r to reboot, p to power off; other keys are echoed. In QEMU, Ctrl-A X quits.";

/// Runs the echo loop forever (until `r` or `p`).
pub fn run() -> ! {
    if let Err(error) = irq::register(board::irq::UART0, on_uart_receive) {
        log::error!("console input unavailable: {error}");
        cpu::halt();
    }
    irq::enable(board::irq::UART0);
    println!("{PROMPT}");
    loop {
        while let Some(byte) = console::read_byte() {
            match byte {
                b'r' => power::reboot(),
                b'p' => power::power_off(),
                b'\r' | b'\n' => println!(),
                0x20..=0x7e => print!("{}", byte as char),
                _ => print!("<{byte:#04x}>"),
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
/// line) and let the loop read the bytes.
fn on_uart_receive(_line: irq::IrqLine) {
    console::disable_rx_interrupts();
}
