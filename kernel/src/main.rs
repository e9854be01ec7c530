//! The kernel you boot with `make qemu` or from an SD card.
//!
//! After the boot banner it runs the interactive shell (`kernel::shell`) and
//! the heartbeat as tasks on the executor. Type `help` at the `> ` prompt.
#![no_std]
#![no_main]

kernel::kernel_main!(kernel::shell::main);
