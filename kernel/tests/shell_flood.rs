//! Nothing typed can crash or hang the shell: 16 KiB of binary garbage as fast
//! as QEMU takes it (the shell echoes and redraws, and runs whatever lines the
//! garbage ends; the receive ring overflows and counts what it drops), then
//! NUL bytes, lone escapes and an unterminated escape sequence; afterwards
//! `uptime` works and `info` shows the counters.
#![no_std]
#![no_main]

kernel::test_spec!(
    "timeout 60",
    "expect > ",
    "send-random 16384 3",
    // Let the shell work through what it kept of the flood.
    "pause 2000",
    "send \\x00\\x00\\x00\\x1b\\x1b\\x1b[\\x1b[123",
    // Ctrl-C ends whatever state the garbage left (a discarded long line, an
    // escape sequence, a half-typed line).
    "send \\x03",
    "expect ^C\\r\\n> ",
    "send uptime\\r",
    "expect \\r\\nup ",
    "send info\\r",
    "expect UART0    received",
    "expect dropped ",
    "send poweroff\\r",
    "expect powering off",
);
kernel::test_main!(kernel::shell::main);
