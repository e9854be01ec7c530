//! Raspberry Pi 3 Model B / B+: BCM2837, four Cortex-A53 cores.
//!
//! QEMU machine `raspi3b`. Interrupts go through the BCM2836 local controller
//! and the BCM2835 legacy controller (see `drivers::bcm2836_intc` for the line
//! numbering).

use super::PullControl;
use crate::drivers::bcm2836_intc::{Bcm2836Intc, FIRST_LOCAL_LINE};
use crate::irq::IrqLine;
use hw_formats::paging::Range;
use hw_formats::revision::Soc;

/// The name `BSP=` uses for this board.
pub const BSP_NAME: &str = "rpi3";
/// The board this BSP is for, when the firmware cannot tell.
pub const EXPECTED_BOARD: &str = "Raspberry Pi 3 Model B";
/// The SoC.
pub const SOC: Soc = Soc::Bcm2837;
/// Start of the SoC peripherals in the ARM's physical address space.
pub const PERIPHERAL_BASE: usize = 0x3f00_0000;
/// BCM2836-style local (per-core) interrupt controller.
pub const LOCAL_INTC_BASE: usize = 0x4000_0000;
/// BCM2835 legacy interrupt controller.
pub const LEGACY_INTC_BASE: usize = PERIPHERAL_BASE + 0xb200;
/// Ranges mapped as device memory: the peripherals (16 MiB) and the local
/// controller's 2 MiB block.
pub const DEVICE_RANGES: [Range; 2] = [
    Range::new(PERIPHERAL_BASE as u64, 0x4000_0000),
    Range::new(LOCAL_INTC_BASE as u64, 0x4020_0000),
];
/// RAM assumed when the mailbox does not answer (the smallest Pi 3 has 1 GiB,
/// of which the firmware keeps up to 76 MiB by default).
pub const FALLBACK_RAM_END: u64 = 0x3b40_0000;
/// GPIO pins the firmware gives the PL011 for Bluetooth (function ALT3);
/// released (made inputs) so the console's RXD0 has a single source.
pub const BLUETOOTH_UART_PINS: &[u32] = &[32, 33];
/// The generic timer's frequency on this board's crystal, for the one case
/// where nobody set CNTFRQ_EL0: entry at EL3 with no firmware stub. The
/// kernel otherwise always reads CNTFRQ_EL0.
pub const COUNTER_FREQUENCY_IF_UNSET: u64 = 19_200_000;
/// GIC-400 distributor and CPU interface addresses, (0, 0) without a GIC.
pub const GIC_BASES: (u64, u64) = (0, 0);
/// The activity (green) LED: a GPIO pin on the SoC, or a pin of the
/// firmware's GPIO expander reached through the mailbox.
pub const ACTIVITY_LED: crate::board::ActivityLed =
    crate::board::ActivityLed::FirmwareExpander(130);
/// How GPIO pulls are set.
pub const GPIO_PULL_CONTROL: PullControl = PullControl::Bcm2837ClockedSequence;

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
