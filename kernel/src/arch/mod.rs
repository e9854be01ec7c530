//! Architecture support. The kernel targets AArch64 only; this module re-exports
//! it so the rest of the kernel writes `arch::cpu`, `arch::timer`, ...

pub mod aarch64;

pub use aarch64::{cpu, exception, mmu, pmu, semihosting, timer};
