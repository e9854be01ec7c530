//! An async bare-metal kernel for the Raspberry Pi 3B and 4B.
//!
//! This library is everything the kernel is made of; `main.rs` (the kernel you
//! boot) and each test kernel under `tests/` are thin binaries on top of it that
//! name their entry point with [`kernel_main!`] or [`test_kernel!`].
//!
//! Layers, from the metal up:
//!
//! | layer    | where                 | what                                                        |
//! |----------|-----------------------|-------------------------------------------------------------|
//! | boot     | `boot/` (crate)       | reset vector: core parking, EL drop, stacks, BSS            |
//! | start    | [`start`]             | MMU-off phase, then the order in which everything starts    |
//! | arch     | [`arch`]              | AArch64: CPU control, exceptions, MMU, generic timer        |
//! | board    | [`board`]             | facts about rpi3 / rpi4: addresses, IRQ lines, controllers  |
//! | drivers  | [`drivers`]           | PL011, GPIO, mailbox, power management, interrupt controllers |
//! | async    | [`executor`], [`time`] (on `async_core`) | the scheduler: tasks, wakers, timers, WFI when idle |
//! | services | [`console`], [`log`](logger), [`irq`], [`mem`], [`power`], [`crash`], [`heartbeat`], [`bench`] | what the rest of the kernel uses |
//! | shell    | [`shell`]             | the interactive shell: the default kernel's main task       |
//! | tests    | [`testing`]           | the in-kernel test harness and QEMU exit                    |
//!
//! docs/architecture.md describes how the layers fit together.
#![no_std]

extern crate alloc;

// The boot crate contributes only the assembly reset vector; this keeps it linked.
use boot as _;

pub mod arch;
pub mod bench;
pub mod board;
pub mod console;
pub mod crash;
pub mod drivers;
pub mod executor;
pub mod firmware;
pub mod heartbeat;
pub mod irq;
pub mod logger;
pub mod mem;
pub mod power;
pub mod shell;
pub mod start;
pub mod sync;
pub mod testing;
pub mod time;

/// The kernel's name, as the boot banner prints it.
pub const NAME: &str = "async-pi";
/// The kernel's version (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Declares the kernel's entry point: `fn() -> !`, called once everything in
/// [`start`] is initialised and the banner is printed, with IRQs enabled.
///
/// ```ignore
/// #![no_std]
/// #![no_main]
/// kernel::kernel_main!(main);
/// fn main() -> ! { loop { kernel::arch::cpu::wait_for_interrupt() } }
/// ```
#[macro_export]
macro_rules! kernel_main {
    ($main:path) => {
        $crate::__kernel_entry!($main, false);
    };
}
