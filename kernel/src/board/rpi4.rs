//! Raspberry Pi 4 Model B: BCM2711, four Cortex-A72 cores.
//!
//! QEMU machine `raspi4b`. Peripherals in "low peripheral" mode at 0xFE00_0000
//! (the firmware default); interrupts through the GIC-400.
//!
//! The board's addresses and pins are in `soc::board`; this file adds what
//! only the kernel needs: the interrupt controller and the interrupt lines.

use crate::drivers::gic400::Gic400;
use crate::irq::IrqLine;
use soc::board::{GICC_BASE, GICD_BASE};

/// The interrupt controller type of this board.
pub type InterruptController = Gic400;

pub(super) const fn interrupt_controller() -> InterruptController {
    // SAFETY: these are the BCM2711's GIC-400 distributor and CPU interface.
    unsafe { Gic400::new(GICD_BASE, GICC_BASE) }
}

/// Interrupt lines of this board.
pub mod irq {
    use super::*;

    /// EL1 physical timer: PPI 14, interrupt ID 30.
    pub const TIMER: IrqLine = IrqLine::new(30);
    /// PL011 UART0: VideoCore IRQ 57 = SPI 121, interrupt ID 153.
    pub const UART0: IrqLine = IrqLine::new(153);
    /// GPIO banks: VideoCore IRQs 49-52 = SPIs 113-116 (Linux bcm2711.dtsi),
    /// interrupt IDs 145-148. Bank 0 is GPIO 0-27, 1 is 28-45, 2 is 46-57;
    /// 3 is "any bank".
    pub const GPIO_BANKS: [IrqLine; 4] =
        [IrqLine::new(145), IrqLine::new(146), IrqLine::new(147), IrqLine::new(148)];
}
