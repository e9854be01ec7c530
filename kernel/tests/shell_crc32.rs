//! `crc32 LEN` as a serial-link check: 64 KiB of pseudo-random bytes typed by
//! the runner at a real line's pace give the runner's own CRC-32; `crc32 0`
//! reads nothing; a sender that stops short gets an error after the gap
//! timeout, and the shell works afterwards.
#![no_std]
#![no_main]

kernel::test_spec!(
    "timeout 90",
    "baud 460800",
    "expect > ",
    "send crc32 65536\\r",
    "send-random 65536 9",
    "expect crc32 {random-crc32 65536 9} 65536\\r\\n",
    "send crc32 0\\r",
    "expect crc32 00000000 0\\r\\n",
    "send crc32 10\\rabc",
    "expect error: crc32: no data for 5 s; got 3 of 10 bytes",
    "send uptime\\r",
    "expect \\r\\nup ",
    "send info\\r",
    "expect dropped 0, errors 0",
    "send poweroff\\r",
    "expect powering off",
);
kernel::test_main!(kernel::shell::main);
