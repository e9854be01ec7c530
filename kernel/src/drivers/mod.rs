//! Device drivers: register-level access to the SoC's peripherals.
//!
//! Each driver owns one register block, whose address comes from [`crate::board`].
//! Constructors are `unsafe` because the caller vouches that the address really
//! is that device; after that, every method is safe.

pub mod bcm2836_intc;
pub mod gic400;
pub mod gpio;
pub mod led;
pub mod mailbox;
pub mod pin;
pub mod pl011;
pub mod power;
pub mod uart;

/// Wraps a register block at a fixed address, so drivers hold a plain address
/// (const-constructible, `Send`) and dereference it on use. (Dereferencing
/// creates a `&T` to device memory — the usual `tock-registers` pattern; see
/// docs/boot.md, "Known limits".)
pub(crate) struct Mmio<T> {
    base: usize,
    _registers: core::marker::PhantomData<fn() -> T>,
}

impl<T> Mmio<T> {
    /// # Safety
    /// `base` must be the address of a register block laid out as `T`, mapped
    /// as device memory (or the MMU must be off), for the kernel's lifetime.
    pub(crate) const unsafe fn new(base: usize) -> Self {
        Self { base, _registers: core::marker::PhantomData }
    }

    /// The block's address.
    pub(crate) const fn base(&self) -> usize {
        self.base
    }
}

impl<T> core::ops::Deref for Mmio<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `new`'s contract: `base` points at a live register block of
        // type `T`. The register types are interior-mutable volatile cells.
        unsafe { &*(self.base as *const T) }
    }
}
