//! Raspberry Pi 4 Model B: BCM2711, four Cortex-A72 cores.
//!
//! QEMU machine `raspi4b`. Peripherals in "low peripheral" mode at 0xFE00_0000
//! (the firmware default); interrupts through the GIC-400.

use super::{ActivityLed, PullControl};
use hw_formats::paging::Range;
use hw_formats::revision::{Model, Soc};

/// The name `BSP=` uses for this board.
pub const BSP_NAME: &str = "rpi4";
/// The board this BSP is for, when the firmware cannot tell.
pub const EXPECTED_BOARD: &str = "Raspberry Pi 4 Model B";
/// The SoC.
pub const SOC: Soc = Soc::Bcm2711;
/// Start of the SoC peripherals in the ARM's physical address space.
pub const PERIPHERAL_BASE: usize = 0xfe00_0000;
/// GIC-400 distributor.
pub const GICD_BASE: usize = 0xff84_1000;
/// GIC-400 CPU interface.
pub const GICC_BASE: usize = 0xff84_2000;
/// Ranges mapped as device memory: 0xFC00_0000 to 4 GiB holds the PCIe window,
/// the peripherals, the ARM local registers and the GIC.
pub const DEVICE_RANGES: [Range; 1] = [Range::new(0xfc00_0000, 0x1_0000_0000)];
/// RAM assumed when the mailbox does not answer (the firmware gives the ARM
/// the low ~948 MiB by default; stay below it).
pub const FALLBACK_RAM_END: u64 = 0x3b40_0000;
/// GPIO pins the firmware gives the PL011 for Bluetooth (function ALT3:
/// CTS0, RTS0, TXD0, RXD0); released (made inputs) so the console's RXD0
/// has a single source and the PL011 no longer drives the Bluetooth chip.
pub const BLUETOOTH_UART_PINS: &[u32] = &[30, 31, 32, 33];
/// The generic timer's frequency on this board's crystal, for the one case
/// where nobody set CNTFRQ_EL0: entry at EL3 with no firmware stub. The
/// kernel otherwise always reads CNTFRQ_EL0.
pub const COUNTER_FREQUENCY_IF_UNSET: u64 = 54_000_000;
/// GIC-400 distributor and CPU interface addresses, (0, 0) without a GIC.
pub const GIC_BASES: (u64, u64) = (GICD_BASE as u64, GICC_BASE as u64);
/// The ARM local block (core timer source and prescaler, local interrupts),
/// in low peripheral mode.
pub const ARM_LOCAL_BASE: usize = 0xff80_0000;
/// The activity (green) LED of the board the firmware reports: SoC GPIO 42,
/// active high, on the 4B (and a board the firmware did not name, which
/// counts as the 4B this BSP expects); `None` on other BCM2711 boards, whose
/// wiring this kernel does not know, rather than a pin driven on a guess.
pub const fn activity_led(model: Option<Model>) -> Option<ActivityLed> {
    match model {
        Some(Model::Pi4B) | None => Some(ActivityLed::Gpio(42)),
        Some(_) => None,
    }
}
/// How GPIO pulls are set.
pub const GPIO_PULL_CONTROL: PullControl = PullControl::Bcm2711PerPinBits;
