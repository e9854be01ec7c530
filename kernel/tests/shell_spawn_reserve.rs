//! `spawn` stops at the heap's reserve and says so, and the kernel keeps
//! running: with most of the heap already taken, a `spawn` of a million
//! sleepers stops part way, another `spawn` (the first one's tasks still
//! asleep after Ctrl-C) stops at once, no allocation ever fails, and the
//! shell still edits and runs commands.
#![no_std]
#![no_main]

extern crate alloc;

use kernel::mem::heap;

kernel::test_spec!(
    "timeout 120",
    "expect > ",
    "send spawn 1000000 60000\\r",
    "expect \\r\\nerror: spawn: stopped after ",
    "expect kept for the rest of the kernel\\r\\n",
    "expect spawned ",
    "send \\x03",
    "expect ^C\\r\\n> ",
    // The first spawn's tasks sleep on: nothing more fits.
    "send spawn 1000 60000\\r",
    "expect \\r\\nerror: spawn: stopped after 0 of 1000 tasks",
    "expect \\r\\nspawned 0 tasks",
    "expect all 0 tasks finished",
    "send mem\\r",
    "expect failed allocations: 0\\r\\n",
    "send echo still here\\r",
    "expect \\r\\nstill here\\r\\n",
    "send poweroff\\r",
    "expect powering off",
);
kernel::test_main!(main);

/// Takes all but the reserve and 8 MiB of the heap (for good: this test
/// kernel never gives it back), then runs the shell.
fn main() -> ! {
    let stats = heap::stats();
    let keep = kernel::shell::spawn_heap_reserve(stats.size) + (8 << 20);
    let taken = alloc::vec::Vec::<u8>::with_capacity(stats.free - keep);
    core::mem::forget(taken);
    kernel::shell::main()
}
