//! The PMU's cycle counter (PMCCNTR_EL0): CPU cycles, for the microbenchmarks.
//!
//! The generic timer ticks at 19.2-62.5 MHz, too coarse for operations that
//! take tens of nanoseconds; the cycle counter counts every core clock. The
//! boot code leaves PMU accesses from EL1 untrapped (MDCR_EL2). QEMU's model
//! counts at a nominal 1 GHz of virtual time, so its "cycles" are nanoseconds;
//! on a Pi they are real core cycles (600 MHz - 1.5 GHz depending on the
//! firmware's clock settings).

use aarch64_cpu::registers::{ID_AA64DFR0_EL1, Readable};
use core::arch::asm;

/// PMCR_EL0.E: enable the counters; PMCR_EL0.LC: 64-bit cycle counter overflow.
const PMCR_ENABLE: u64 = 1 << 0;
const PMCR_LONG_CYCLE_COUNTER: u64 = 1 << 6;
/// PMCNTENSET_EL0.C: enable the cycle counter.
const PMCNTENSET_CYCLES: u64 = 1 << 31;
/// PMCCFILTR_EL0: count at EL1 and EL0 too (all filter bits clear).
const PMCCFILTR_COUNT_ALL: u64 = 0;

/// Whether this CPU implements a PMU (ID_AA64DFR0_EL1.PMUVer is neither 0,
/// "not implemented", nor 0xf, "IMPLEMENTATION DEFINED form").
pub fn is_implemented() -> bool {
    !matches!(ID_AA64DFR0_EL1.read(ID_AA64DFR0_EL1::PMUVer), 0 | 0xf)
}

/// Proof that the cycle counter exists and runs: the only way to read it.
#[derive(Clone, Copy, Debug)]
pub struct CycleCounter {
    _private: (),
}

/// Starts the cycle counter if the CPU has one.
pub fn start_cycle_counter() -> Option<CycleCounter> {
    if !is_implemented() {
        return None;
    }
    // SAFETY: the PMU registers exist (checked above) and EL1 may access them
    // (the boot code does not trap them at EL2). Enabling the cycle counter
    // changes no memory and no other state the kernel relies on.
    unsafe {
        let mut pmcr: u64;
        asm!("mrs {}, PMCR_EL0", out(reg) pmcr, options(nomem, nostack));
        pmcr |= PMCR_ENABLE | PMCR_LONG_CYCLE_COUNTER;
        asm!("msr PMCR_EL0, {}", in(reg) pmcr, options(nomem, nostack));
        asm!("msr PMCCFILTR_EL0, {}", in(reg) PMCCFILTR_COUNT_ALL, options(nomem, nostack));
        asm!("msr PMCNTENSET_EL0, {}", in(reg) PMCNTENSET_CYCLES, options(nomem, nostack));
        asm!("isb", options(nomem, nostack));
    }
    Some(CycleCounter { _private: () })
}

impl CycleCounter {
    /// Cycles counted so far.
    pub fn read(&self) -> u64 {
        let value: u64;
        // SAFETY: a `CycleCounter` exists only when the PMU does; reading
        // PMCCNTR_EL0 has no side effects.
        unsafe { asm!("isb", "mrs {}, PMCCNTR_EL0", out(reg) value, options(nomem, nostack)) };
        value
    }
}
