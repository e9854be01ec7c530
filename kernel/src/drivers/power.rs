//! The power-management block's watchdog: full-chip reset and "halt".
//!
//! Every write carries the password 0x5a in bits 31:24. A full reset is
//! requested by arming the watchdog with a short timeout and setting RSTC's
//! reset configuration to "full reset". Power-off is the same reset with
//! partition 63 (the value 0x555 in RSTS's partition bits) recorded first: the
//! firmware then stays halted instead of booting, and QEMU exits with status 0.

use super::Mmio;
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::ReadWrite;

register_structs! {
    Registers {
        (0x00 => _reserved0),
        (0x1c => rstc: ReadWrite<u32>),
        (0x20 => rsts: ReadWrite<u32>),
        (0x24 => wdog: ReadWrite<u32>),
        (0x28 => @END),
    }
}

const PASSWORD: u32 = 0x5a00_0000;
const RSTC_WRCFG_MASK: u32 = 0x30;
const RSTC_WRCFG_FULL_RESET: u32 = 0x20;
/// Partition 63, spread over RSTS's even bits: "halt, do not boot".
const RSTS_PARTITION_HALT: u32 = 0x555;
/// Watchdog ticks before the reset (16 µs each).
const WDOG_RESET_TICKS: u32 = 10;

/// The PM watchdog.
pub struct PowerManagement {
    registers: Mmio<Registers>,
}

impl PowerManagement {
    /// A handle on the PM block at `base` (peripheral base + 0x100000).
    ///
    /// # Safety
    /// `base` must be the power-management register block.
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: forwarded from the caller.
        Self { registers: unsafe { Mmio::new(base) } }
    }

    /// Requests a full reset. The reset follows within microseconds.
    pub fn request_reset(&self) {
        self.registers.wdog.set(PASSWORD | WDOG_RESET_TICKS);
        let rstc = self.registers.rstc.get() & !RSTC_WRCFG_MASK;
        self.registers.rstc.set(PASSWORD | rstc | RSTC_WRCFG_FULL_RESET);
    }

    /// Marks the next reset as a halt, then requests it.
    pub fn request_power_off(&self) {
        let rsts = self.registers.rsts.get() & 0x00ff_ffff;
        self.registers.rsts.set(PASSWORD | rsts | RSTS_PARTITION_HALT);
        self.request_reset();
    }
}
