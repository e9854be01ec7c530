//! AArch64 support: CPU control, exception vectors and crash reports, the MMU,
//! the generic timer, and semihosting (test builds only).

pub mod cpu;
pub mod exception;
pub mod mmu;
pub mod pmu;
pub mod semihosting;
pub mod timer;
