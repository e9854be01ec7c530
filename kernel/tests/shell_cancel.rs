//! Ctrl-C cancels every long-running shell command — `sleep`, `top`,
//! `gpio ... wait` (QEMU models no GPIO edges, so only Ctrl-C ends it) and
//! `spawn`'s wait — and what is typed while a command runs is kept for the
//! prompt that follows.
#![no_std]
#![no_main]

kernel::test_spec!(
    "timeout 60",
    "expect > ",
    // A 100 s sleep outlasts the test: only Ctrl-C can end it in time.
    "send sleep 100000\\r",
    "expect sleep 100000\\r\\n",
    "send \\x03",
    "expect ^C\\r\\n> ",
    // top refreshes (a second table with a measured idle share), then stops.
    "send top\\r",
    "expect idle --.-%",
    "expect STATE",
    "expect % (Ctrl-C to quit)",
    "expect STATE",
    "send \\x03",
    "expect ^C\\r\\n> ",
    // gpio wait.
    "send gpio 5 wait rising\\r",
    "expect gpio 5: waiting for a rising edge",
    "send \\x03",
    "expect ^C\\r\\n> ",
    "send gpio 5 wait any\\r",
    "expect gpio 5: waiting for any edge",
    "send \\x03",
    "expect ^C\\r\\n> ",
    // spawn's wait: the tasks keep sleeping, the shell comes back.
    "send spawn 1000 60000\\r",
    "expect spawned 1000 tasks",
    "send \\x03",
    "expect ^C\\r\\n> ",
    "send ps\\r",
    "expect ... and ",
    // Typed during a command: kept, run afterwards.
    "send sleep 500\\r",
    "expect sleep 500\\r\\n",
    "send echo typed ahead\\r",
    "expect \\r\\ntyped ahead\\r\\n",
    "send uptime\\r",
    "expect \\r\\nup ",
    "send poweroff\\r",
    "expect powering off",
);
kernel::test_main!(kernel::shell::main);
