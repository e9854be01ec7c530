//! The board the kernel is built for, chosen at build time with
//! `BSP=rpi3|rpi4` (cargo features `bsp-rpi3` / `bsp-rpi4`).
//!
//! Every board fact the kernel uses is re-exported here, so the rest of the
//! kernel writes `board::PL011_BASE` or `board::irq::UART0` and never checks
//! which board it is on. Addresses, pins, clocks and names live in
//! `soc::board` (shared with the chainloader, which runs before any of the
//! kernel does); this module's board files add the interrupt controller and
//! the interrupt lines.

#[cfg(feature = "bsp-rpi3")]
mod rpi3;
#[cfg(feature = "bsp-rpi3")]
pub use rpi3::*;

#[cfg(all(feature = "bsp-rpi4", not(feature = "bsp-rpi3")))]
mod rpi4;
#[cfg(all(feature = "bsp-rpi4", not(feature = "bsp-rpi3")))]
pub use rpi4::*;

// Addresses, pins, clocks and names (the `bsp-*` features select them there too).
pub use soc::board::*;

/// The board's interrupt controller.
pub static INTERRUPT_CONTROLLER: InterruptController = interrupt_controller();

/// For the boot assembly's EL3 path: the counter frequency to program if
/// CNTFRQ_EL0 reads zero.
#[unsafe(no_mangle)]
pub static __BOARD_COUNTER_FREQUENCY_IF_UNSET: u64 = COUNTER_FREQUENCY_IF_UNSET;
/// For the boot assembly's EL3 path: the GIC distributor (0: no GIC).
#[unsafe(no_mangle)]
pub static __BOARD_GICD_BASE: u64 = GIC_BASES.0;
/// For the boot assembly's EL3 path: the ARM local block, whose core timer
/// source and prescaler it sets as the firmware's stub would.
#[unsafe(no_mangle)]
pub static __BOARD_ARM_LOCAL_BASE: u64 = ARM_LOCAL_BASE as u64;
/// For the boot assembly's EL3 path: the GIC CPU interface (0: no GIC).
#[unsafe(no_mangle)]
pub static __BOARD_GICC_BASE: u64 = GIC_BASES.1;
