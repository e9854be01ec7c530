//! Raspberry Pi 3 Model B / B+: BCM2837, four Cortex-A53 cores.
//!
//! QEMU machine `raspi3b`. Interrupts go through the BCM2836 local controller
//! and the BCM2835 legacy controller (the kernel's `drivers::bcm2836_intc`).

use super::{ActivityLed, PullControl};
use hw_formats::paging::Range;
use hw_formats::revision::{Model, Soc};

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
/// GPIO pins the firmware gives the PL011 for Bluetooth (function ALT3:
/// CTS0, RTS0, TXD0, RXD0; every Pi 3 model with Bluetooth runs it with
/// flow control); released (made inputs) so the console's RXD0 has a single
/// source and the PL011 no longer drives the Bluetooth chip.
pub const BLUETOOTH_UART_PINS: &[u32] = &[30, 31, 32, 33];
/// The generic timer's frequency on this board's crystal, for the one case
/// where nobody set CNTFRQ_EL0: entry at EL3 with no firmware stub. The
/// kernel otherwise always reads CNTFRQ_EL0.
pub const COUNTER_FREQUENCY_IF_UNSET: u64 = 19_200_000;
/// GIC-400 distributor and CPU interface addresses, (0, 0) without a GIC.
pub const GIC_BASES: (u64, u64) = (0, 0);
/// The ARM local block (core timer source and prescaler, local interrupts):
/// the same block as the local interrupt controller.
pub const ARM_LOCAL_BASE: usize = LOCAL_INTC_BASE;
/// The activity (green) LED of the board the firmware reports. The 3B wires
/// it to pin 130 (128 + 2) of the firmware's GPIO expander; the 3B+ and 3A+
/// to SoC GPIO 29, active high, and their expander pin 130 is the red power
/// LED instead. A board the firmware did not name counts as the 3B this BSP
/// expects (what QEMU's `raspi3b` reports anyway). Other BCM2837 boards wire
/// it otherwise or not at all (Zero 2 W: GPIO 29 active low; CM3: none), so
/// they get `None` rather than a pin driven on a guess.
pub const fn activity_led(model: Option<Model>) -> Option<ActivityLed> {
    match model {
        Some(Model::Pi3B) | None => Some(ActivityLed::FirmwareExpander(130)),
        Some(Model::Pi3BPlus | Model::Pi3APlus) => Some(ActivityLed::Gpio(29)),
        Some(_) => None,
    }
}
/// How GPIO pulls are set.
pub const GPIO_PULL_CONTROL: PullControl = PullControl::Bcm2837ClockedSequence;
