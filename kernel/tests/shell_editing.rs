//! The shell's line editor over the serial port: history (more than 16
//! entries), cursor movement, Backspace and DEL, Ctrl-U, Ctrl-C at the prompt,
//! terminal escape sequences swallowed, an over-long line refused.
//! `echo` shows the line the shell received: its output follows the echoed
//! line's "\r\n", which the typed text itself never contains.
#![no_std]
#![no_main]

kernel::test_spec!(
    "timeout 60",
    "expect > ",
    // History: Up twice recalls the line before last (history is then
    // one, two, one); Up three times and Down once gives the middle one.
    "send echo one\\r",
    "expect \\r\\none\\r\\n",
    "send echo two\\r",
    "expect \\r\\ntwo\\r\\n",
    "send \\x1b[A\\x1b[A\\r",
    "expect \\r\\none\\r\\n",
    "send \\x1b[A\\x1b[A\\x1b[A\\x1b[B\\r",
    "expect \\r\\ntwo\\r\\n",
    // SS3 arrows (application cursor mode) work as well.
    "send \\x1bOA\\r",
    "expect \\r\\ntwo\\r\\n",
    // Down past the newest entry gives back what was being typed.
    "send echo dra\\x1b[A\\x1b[Bft\\r",
    "expect \\r\\ndraft\\r\\n",
    // 17 entries: Up 17 times reaches the first.
    "send echo e01\\recho e02\\recho e03\\recho e04\\recho e05\\recho e06\\r",
    "send echo e07\\recho e08\\recho e09\\recho e10\\recho e11\\recho e12\\r",
    "send echo e13\\recho e14\\recho e15\\recho e16\\recho e17\\r",
    "expect \\r\\ne17\\r\\n",
    "send \\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A",
    "send \\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\x1b[A\\r",
    "expect \\r\\ne01\\r\\n",
    // Left, insert, Right; Home and End; Delete.
    "send echo abd\\x1b[Dc\\x1b[C!\\r",
    "expect \\r\\nabcd!\\r\\n",
    "send cho home\\x1b[He\\x1b[F!\\r",
    "expect \\r\\nhome!\\r\\n",
    "send echo xdel\\x1b[D\\x1b[D\\x1b[D\\x1b[D\\x1b[3~\\r",
    "expect \\r\\ndel\\r\\n",
    // Backspace (0x08) and DEL (0x7f).
    "send echo abx\\x7fc\\r",
    "expect \\r\\nabc\\r\\n",
    "send echo aby\\x08z\\r",
    "expect \\r\\nabz\\r\\n",
    // Ctrl-U kills the line.
    "send rubbish\\x15echo clean\\r",
    "expect \\r\\nclean\\r\\n",
    // Ctrl-C at the prompt abandons the line.
    "send half a line\\x03",
    "expect ^C\\r\\n> ",
    "send echo next\\r",
    "expect \\r\\nnext\\r\\n",
    // Unknown escape sequences, NUL and high bytes are swallowed, never echoed.
    "send \\x1b[1;5Cecho \\x00z\\x1b[99~\\xff\\x1b[5~\\r",
    "expect \\r\\nz\\r\\n",
    // \\r\\n is one line end; \\n alone is one too.
    "send echo crlf\\r\\necho lf\\n",
    "expect \\r\\ncrlf\\r\\n> ",
    "expect \\r\\nlf\\r\\n> ",
    // A line over 256 bytes is refused, the rest of it swallowed up to Enter.
    "send echo 0123456789012345678901234567890123456789012345678901234567890123456789",
    "send 0123456789012345678901234567890123456789012345678901234567890123456789",
    "send 0123456789012345678901234567890123456789012345678901234567890123456789",
    "send 0123456789012345678901234567890123456789012345678901234567890123456789",
    "send tail-of-the-long-line\\r",
    "expect error: line longer than 256 bytes; discarded",
    "send echo after\\r",
    "expect \\r\\nafter\\r\\n",
    "send poweroff\\r",
    "expect powering off",
);
kernel::test_main!(kernel::shell::main);
