//! The BCM283x system timer's free-running 1 MHz counter: a clock that does
//! not depend on the ARM generic timer, so the kernel's use of CNTFRQ_EL0 can
//! be checked against it (test kernel `timer_rate`). Only the counter is read;
//! the compare channels belong to the GPU firmware.

use crate::Mmio;
use tock_registers::interfaces::Readable;
use tock_registers::register_structs;
use tock_registers::registers::ReadOnly;

register_structs! {
    Registers {
        (0x00 => _control_status),
        (0x04 => clo: ReadOnly<u32>),
        (0x08 => chi: ReadOnly<u32>),
        (0x0c => @END),
    }
}

/// Ticks of the system timer per second (1 MHz on every BCM283x, and in QEMU).
pub const TICKS_PER_SECOND: u64 = 1_000_000;

/// The system timer's counter.
pub struct SystemTimer {
    registers: Mmio<Registers>,
}

impl SystemTimer {
    /// The system timer at `base` (`board::SYSTEM_TIMER_BASE`).
    ///
    /// # Safety
    /// `base` must be the system timer's register block, mapped as device memory.
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: the caller vouches for the address.
        Self { registers: unsafe { Mmio::new(base) } }
    }

    /// Microseconds counted since the SoC came out of reset (64 bits, read
    /// consistently across a carry from the low word into the high one).
    pub fn micros(&self) -> u64 {
        loop {
            let high = self.registers.chi.get();
            let low = self.registers.clo.get();
            if self.registers.chi.get() == high {
                return (u64::from(high) << 32) | u64::from(low);
            }
        }
    }
}
