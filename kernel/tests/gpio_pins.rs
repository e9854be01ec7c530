#![no_std]
#![no_main]
//! GPIO pins in QEMU (in progress).
kernel::test_kernel!();
