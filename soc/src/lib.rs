//! The hardware both of this project's bare-metal programs touch first: board
//! facts (addresses, pins, clocks) and register-level drivers for the PL011
//! UART and the GPIO block of the BCM2837 (Pi 3) and BCM2711 (Pi 4).
//!
//! Everything here works with the MMU off and before any allocator or lock
//! exists — no atomics, no allocation — which is what the chainloader
//! (`chainloader/`) needs; the kernel (`kernel/`) re-exports it under
//! `kernel::board`, `kernel::drivers::{pl011, gpio}` and `kernel::arch::cpu`.
//! Which board is chosen with the features `bsp-rpi3` / `bsp-rpi4`; the
//! feature `program-entry` adds [`program`], the entry code the chainloader
//! and the kernel decompressor share.
#![no_std]

pub mod board;
pub mod cpu;
pub mod gpio;
pub mod pl011;
#[cfg(feature = "program-entry")]
pub mod program;
pub mod system_timer;
pub mod uart0;

/// Wraps a register block at a fixed address, so drivers hold a plain address
/// (const-constructible, `Send`) and dereference it on use. (Dereferencing
/// creates a `&T` to device memory — the usual `tock-registers` pattern; see
/// docs/boot.md, "Known limits".)
pub struct Mmio<T> {
    base: usize,
    _registers: core::marker::PhantomData<fn() -> T>,
}

impl<T> Mmio<T> {
    /// Wraps the register block at `base`.
    ///
    /// # Safety
    /// `base` must be the address of a register block laid out as `T`, mapped
    /// as device memory (or the MMU must be off), for the program's lifetime.
    pub const unsafe fn new(base: usize) -> Self {
        Self { base, _registers: core::marker::PhantomData }
    }

    /// The block's address.
    pub const fn base(&self) -> usize {
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
