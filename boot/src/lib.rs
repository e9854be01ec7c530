//! The reset vector: the first instructions the kernel executes.
//!
//! The firmware (or QEMU) loads `kernel8.img` at 0x80000 and jumps to its first
//! byte, `_start` in `entry.s` (next to this file). That
//! code runs with the MMU and caches off, on whichever core and exception level
//! the loader chose, and brings core 0 to a state where Rust can run:
//!
//! 1. secondary cores (which only arrive here when QEMU boots an ELF at EL3)
//!    are parked in a WFI loop;
//! 2. EL3 drops to EL2, EL2 configures what EL1 needs (AArch64, timer access,
//!    no FP traps) and drops to EL1, using SP_EL0 for the kernel;
//! 3. FP/SIMD is enabled, the exception vectors are installed, both stacks
//!    (kernel on SP_EL0, exceptions on SP_EL1) are set up, BSS is zeroed;
//! 4. the secondary cores waiting in the firmware's spin table are moved into
//!    the same WFI park loop;
//! 5. `_start_rust(boot_arg, entry_el, entry_counter)` is called: the kernel's
//!    MMU-off phase (`kernel::start`), which turns on the MMU before any code
//!    that may execute an atomic instruction.
//!
//! docs/boot.md walks through every register and why it is set.
#![no_std]

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(include_str!("entry.s"));
