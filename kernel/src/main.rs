//! The kernel you boot with `make qemu` or from an SD card.
//!
//! After the boot banner it runs the interactive echo loop (`kernel::echo`):
//! keys are echoed, `r` reboots, `p` powers off.
#![no_std]
#![no_main]

kernel::kernel_main!(kernel::echo::run);
