//! The EL1 physical timer (CNTP) of the ARM generic timer.
//!
//! One comparator per core: when the counter reaches CNTP_CVAL_EL0 the timer
//! raises its interrupt (PPI 30 on the GIC-400, the local CNTPNS line on the
//! BCM2836 controller) until it is re-armed or disabled. The counter frequency
//! is read from CNTFRQ_EL0, never assumed.
//!
//! Every change ends with an ISB: the architecture only guarantees that the
//! timer acts on a system-register write after a context synchronisation.
//! Without it a real core could enter WFI with a cancelled comparator still
//! armed (and wake for it), or unmask interrupts before a cancel has dropped
//! the line. QEMU applies the writes at once, so no test can tell.

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{CNTP_CTL_EL0, CNTP_CVAL_EL0, Readable, Writeable};

pub use super::cpu::{counter as now, counter_frequency as frequency};

/// Arms the comparator: the interrupt fires once the counter reaches `ticks`
/// (at once if it already has).
pub fn set_deadline(ticks: u64) {
    CNTP_CVAL_EL0.set(ticks);
    CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::SET + CNTP_CTL_EL0::IMASK::CLEAR);
    barrier::isb(barrier::SY);
}

/// Arms the comparator `ticks` counter ticks from now.
pub fn set_deadline_in(ticks: u64) {
    set_deadline(now().saturating_add(ticks));
}

/// Disables the comparator, which also drops its interrupt.
pub fn cancel() {
    CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::CLEAR);
    barrier::isb(barrier::SY);
}

/// Whether the comparator is enabled and its condition is met.
pub fn has_fired() -> bool {
    let ctl = CNTP_CTL_EL0.extract();
    ctl.is_set(CNTP_CTL_EL0::ENABLE) && ctl.is_set(CNTP_CTL_EL0::ISTATUS)
}

/// The deadline currently programmed.
pub fn deadline() -> u64 {
    CNTP_CVAL_EL0.get()
}
