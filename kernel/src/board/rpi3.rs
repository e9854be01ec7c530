//! Raspberry Pi 3 Model B / B+: BCM2837, four Cortex-A53 cores.
//!
//! QEMU machine `raspi3b`. Interrupts go through the BCM2836 local controller
//! and the BCM2835 legacy controller (see `drivers::bcm2836_intc` for the line
//! numbering).
//!
//! The board's addresses and pins are in `soc::board`; this file adds what
//! only the kernel needs: the interrupt controller and the interrupt lines.

use crate::drivers::bcm2836_intc::{Bcm2836Intc, FIRST_LOCAL_LINE};
use crate::irq::IrqLine;
use soc::board::{LEGACY_INTC_BASE, LOCAL_INTC_BASE};

/// The interrupt controller type of this board.
pub type InterruptController = Bcm2836Intc;

pub(super) const fn interrupt_controller() -> InterruptController {
    // SAFETY: these are the BCM2837's two interrupt controller blocks.
    unsafe { Bcm2836Intc::new(LOCAL_INTC_BASE, LEGACY_INTC_BASE) }
}

/// Interrupt lines of this board.
pub mod irq {
    use super::*;

    /// EL1 physical timer (local source CNTPNS).
    pub const TIMER: IrqLine = IrqLine::new(FIRST_LOCAL_LINE + 1);
    /// PL011 UART0 (legacy GPU IRQ 57).
    pub const UART0: IrqLine = IrqLine::new(57);
    /// GPIO banks: gpio_int[0..3] (legacy GPU IRQs 49-52). The BCM2837 raises
    /// bank 0 (GPIO 0-27), 1 (28-45), 2 (46-53); 3 is "any bank".
    pub const GPIO_BANKS: [IrqLine; 4] =
        [IrqLine::new(49), IrqLine::new(50), IrqLine::new(51), IrqLine::new(52)];
}
