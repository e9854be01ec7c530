//! The default kernel's interactive loop (`kernel::echo::run`, what `make qemu`
//! runs): typed text is echoed, control bytes are shown in hex, and `p` powers
//! off (QEMU exits with status 0).
#![no_std]
#![no_main]

kernel::test_spec!(
    "expect Type r to reboot, p to power off",
    "send hello\\r",
    "expect hello",
    "send \\x01\\x1b",
    "expect <0x01><0x1b>",
    "send p",
    "expect powering off",
);
kernel::test_main!(kernel::echo::run);
