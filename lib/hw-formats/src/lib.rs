//! Pure encoders and decoders of the hardware formats the kernel handles.
//!
//! Nothing in this crate touches hardware: every function takes and returns plain
//! values, so it compiles for the host and is unit-tested there with `cargo test`.
//! The kernel (`kernel/`) uses these modules for the parts of its drivers and
//! crash reports that are arithmetic or decoding rather than register access.
//!
//! | module       | format                                                        |
//! |--------------|---------------------------------------------------------------|
//! | [`esr`]      | AArch64 exception syndrome (ESR_ELx): class names, abort causes |
//! | [`spsr`]     | AArch64 saved program status (SPSR_ELx): mode and masks        |
//! | [`paging`]   | VMSAv8-64 translation-table descriptors and the identity map plan |
//! | [`mailbox`]  | VideoCore mailbox property messages                           |
//! | [`revision`] | Raspberry Pi board revision codes                             |
//! | [`pl011`]    | PL011 UART baud-rate divisors                                 |
//! | [`frames`]   | AArch64 frame-record chains (frame-pointer backtraces)        |
//! | [`counter`]  | ARM generic-timer tick conversions                            |
#![cfg_attr(not(test), no_std)]

pub mod counter;
pub mod esr;
pub mod frames;
pub mod mailbox;
pub mod paging;
pub mod pl011;
pub mod revision;
pub mod spsr;
