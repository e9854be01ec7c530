//! Locks for state shared with interrupt handlers.
//!
//! [`IrqSafeSpinLock`] masks IRQs on the current core for as long as it is
//! held. On a single core that alone makes it deadlock-free against interrupt
//! handlers (a handler can never interrupt the holder); the spin lock inside
//! keeps it correct once more cores run kernel code.
//!
//! Like every lock here it uses exclusive loads/stores, so it must never be
//! taken before the MMU is on (see `start`).
//!
//! This module also provides the `critical-section` implementation that the
//! async core and ecosystem crates (embassy-time) use: masking IRQs on this
//! core. With one core running kernel code that is a complete critical
//! section; a multi-core kernel will add a spin lock here.

use crate::arch::cpu::{self, IrqState};
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use spin::mutex::{SpinMutex, SpinMutexGuard};

/// A spin lock that keeps IRQs masked on this core while it is held.
pub struct IrqSafeSpinLock<T> {
    inner: SpinMutex<T>,
}

impl<T> IrqSafeSpinLock<T> {
    /// A new unlocked lock holding `value`.
    pub const fn new(value: T) -> Self {
        Self { inner: SpinMutex::new(value) }
    }

    /// Masks IRQs, then takes the lock (spinning while another core holds it).
    pub fn lock(&self) -> IrqSafeGuard<'_, T> {
        let irq = cpu::mask_irqs();
        IrqSafeGuard { guard: ManuallyDrop::new(self.inner.lock()), irq }
    }

    /// Masks IRQs and takes the lock if it is free; otherwise restores the
    /// IRQ state and returns `None`.
    pub fn try_lock(&self) -> Option<IrqSafeGuard<'_, T>> {
        let irq = cpu::mask_irqs();
        match self.inner.try_lock() {
            Some(guard) => Some(IrqSafeGuard { guard: ManuallyDrop::new(guard), irq }),
            None => {
                cpu::restore_irqs(irq);
                None
            }
        }
    }
}

/// Access to the data of an [`IrqSafeSpinLock`]; unlocks, then restores the
/// IRQ mask, when dropped.
pub struct IrqSafeGuard<'a, T> {
    guard: ManuallyDrop<SpinMutexGuard<'a, T>>,
    irq: IrqState,
}

impl<T> Deref for IrqSafeGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for IrqSafeGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for IrqSafeGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `guard` is dropped exactly once, here, and never used again.
        unsafe { ManuallyDrop::drop(&mut self.guard) };
        cpu::restore_irqs(self.irq);
    }
}

/// The `critical-section` implementation: IRQs masked on this core.
struct KernelCriticalSection;

critical_section::set_impl!(KernelCriticalSection);

// SAFETY: with a single core running kernel code, masking IRQs excludes every
// other context (handlers cannot run), which is what a critical section
// requires; release restores the exact previous mask state, so nesting works.
unsafe impl critical_section::Impl for KernelCriticalSection {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        cpu::mask_irqs().was_unmasked()
    }

    unsafe fn release(was_unmasked: critical_section::RawRestoreState) {
        if was_unmasked {
            cpu::unmask_irqs();
        }
    }
}
