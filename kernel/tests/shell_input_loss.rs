//! A line some of whose bytes were lost on the way in is discarded with an
//! error instead of run: typed during a `sleep`, 1,020 empty lines fill the
//! typeahead nearly to its limit, so of `echo lost\r` only `echo` is kept
//! and ` lost\r` is dropped. The Enter typed afterwards ends a line with a
//! gap in it; before, it ran `echo` with its argument missing. The next
//! line runs normally. A loss *between* lines, carried by the line end of
//! an empty line (here: exactly 1,024 empty lines fill the typeahead, `zz`
//! is dropped, then Enter), does not touch the line typed after it; a loss
//! of a line's *first* bytes does count: of `help reboot`, `help ` is
//! dropped, and `reboot` must not run. Nor is a refused line recalled by
//! the Up key.
#![no_std]
#![no_main]

kernel::test_spec!(
    "timeout 60",
    "expect > ",
    "send sleep 1000\\r",
    "expect sleep 1000\\r\\n",
    "send-repeat 1020 \\r",
    "send echo lost\\r",
    "expect (6 bytes typed during the command were dropped)",
    "send \\r",
    "expect error: 6 or more bytes of this line were lost on the way in (see 'info'); line discarded",
    "send echo fine\\r",
    "expect \\r\\nfine\\r\\n",
    "send sleep 1000\\r",
    "expect sleep 1000\\r\\n",
    "send-repeat 1024 \\r",
    "send zz",
    "expect (2 bytes typed during the command were dropped)",
    "send \\r",
    "send echo kept\\r",
    "expect \\r\\nkept\\r\\n",
    "send sleep 1000\\r",
    "expect sleep 1000\\r\\n",
    "send-repeat 1024 \\r",
    "send help ",
    "expect (5 bytes typed during the command were dropped)",
    "send reboot\\r",
    "expect error: 5 or more bytes of this line were lost on the way in (see 'info'); line discarded",
    "send \\x1b[A\\r",
    "expect sleep 1000\\r\\n",
    "send poweroff\\r",
    "expect powering off",
);
kernel::test_main!(kernel::shell::main);
