//! The few CPU operations the register-level drivers need: IRQ masking around
//! shared read-modify-writes, and the generic counter for short waits and
//! timeouts. All work at EL1 and EL2, with the MMU on or off.

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{CNTFRQ_EL0, CNTPCT_EL0, CurrentEL, DAIF, Readable};
use core::arch::asm;

/// The exception level this code runs at (1 for the kernel; the firmware's,
/// 2 on a Pi, for the chainloader and the decompressor).
#[inline]
pub fn current_el() -> u8 {
    CurrentEL.read(CurrentEL::EL) as u8
}

/// Interrupt mask state saved by [`mask_irqs`], to be given back to [`restore_irqs`].
#[derive(Clone, Copy, Debug)]
#[must_use = "the saved state must be restored"]
pub struct IrqState(u64);

impl IrqState {
    /// Whether IRQs were unmasked when this state was saved.
    #[inline]
    pub fn was_unmasked(self) -> bool {
        self.0 & (1 << 7) == 0
    }
}

/// Masks IRQs on this core and returns the previous mask state.
#[inline]
pub fn mask_irqs() -> IrqState {
    let saved = DAIF.get();
    // SAFETY: setting PSTATE.I only masks IRQs. No `nomem`: the compiler must not
    // move memory accesses across the start of a masked section.
    unsafe { asm!("msr daifset, #2", options(nostack, preserves_flags)) };
    IrqState(saved)
}

/// Restores the IRQ mask state saved by [`mask_irqs`].
#[inline]
pub fn restore_irqs(state: IrqState) {
    // Only the I bit changes; D, A and F stay as they are now.
    if state.was_unmasked() {
        unmask_irqs();
    }
}

/// Unmasks IRQs on this core.
#[inline]
pub fn unmask_irqs() {
    // SAFETY: clearing PSTATE.I lets IRQs be taken; whoever calls this has
    // installed a vector table (the kernel's boot code does so before any Rust
    // runs). Acts as a compiler barrier.
    unsafe { asm!("msr daifclr, #2", options(nostack, preserves_flags)) };
}

/// Whether IRQs are masked on this core.
#[inline]
pub fn irqs_masked() -> bool {
    DAIF.is_set(DAIF::I)
}

/// The physical counter (CNTPCT_EL0), ordered after earlier instructions.
#[inline]
pub fn counter() -> u64 {
    barrier::isb(barrier::SY);
    CNTPCT_EL0.get()
}

/// The counter frequency in Hz as the firmware set it in CNTFRQ_EL0: never
/// assumed (62.5 MHz in QEMU, 19.2 MHz on a Pi 3, 54 MHz on a Pi 4).
#[inline]
pub fn counter_frequency() -> u64 {
    CNTFRQ_EL0.get()
}

/// Milliseconds of counter time since the counter started.
pub fn counter_millis() -> u64 {
    hw_formats::counter::ticks_to_nanos(counter(), counter_frequency()) / 1_000_000
}

/// Spins for at least `nanos` nanoseconds of counter time.
pub fn spin_for_nanos(nanos: u64) {
    let ticks = hw_formats::counter::nanos_to_ticks_ceil(nanos, counter_frequency()).max(1);
    let start = counter();
    while counter().wrapping_sub(start) < ticks {
        core::hint::spin_loop();
    }
}

/// Whether more than `nanos` nanoseconds of counter time passed since `start`
/// (a [`counter`] reading).
pub fn nanos_elapsed_since(start: u64, nanos: u64) -> bool {
    let ticks = hw_formats::counter::nanos_to_ticks_ceil(nanos, counter_frequency());
    counter().wrapping_sub(start) > ticks
}

/// The instruction cache of the current exception level, turned on with the
/// MMU off by a program that runs before the kernel (the decompressor, the
/// chainloader): without it a real Pi fetches every instruction from DRAM.
/// Restore it before the kernel starts, so the kernel is entered as the
/// firmware would enter it.
#[must_use = "restore it before the kernel starts"]
pub struct InstructionCache {
    saved: u64,
}

/// SCTLR_ELx.I: instruction accesses cacheable even with the MMU off.
const SCTLR_I: u64 = 1 << 12;

impl InstructionCache {
    /// Invalidates the instruction cache and turns it on (SCTLR_ELx.I).
    pub fn enable() -> Self {
        let saved = read_sctlr();
        // SAFETY: the instruction cache is invalidated first, so nothing
        // stale can be fetched; setting I changes only cacheability.
        unsafe {
            asm!("ic iallu", "dsb sy", "isb", options(nostack));
        }
        write_sctlr(saved | SCTLR_I);
        Self { saved }
    }

    /// Gives SCTLR_ELx back the value it had before [`enable`](Self::enable).
    pub fn restore(self) {
        write_sctlr(self.saved);
    }
}

fn read_sctlr() -> u64 {
    let value: u64;
    // SAFETY: reading the system control register of the current EL has no
    // side effects.
    unsafe {
        match current_el() {
            3 => asm!("mrs {}, sctlr_el3", out(reg) value, options(nomem, nostack)),
            2 => asm!("mrs {}, sctlr_el2", out(reg) value, options(nomem, nostack)),
            _ => asm!("mrs {}, sctlr_el1", out(reg) value, options(nomem, nostack)),
        }
    }
    value
}

fn write_sctlr(value: u64) {
    // SAFETY: only the I bit ever differs from what the firmware set; the
    // isb makes the change take effect before the next instruction.
    unsafe {
        match current_el() {
            3 => asm!("msr sctlr_el3, {}", "isb", in(reg) value, options(nostack)),
            2 => asm!("msr sctlr_el2, {}", "isb", in(reg) value, options(nostack)),
            _ => asm!("msr sctlr_el1, {}", "isb", in(reg) value, options(nostack)),
        }
    }
}
