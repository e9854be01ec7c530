//! A panic in the MMU-off phase, right after the console is set up, gives
//! the full panic report (message, location, backtrace), and the whole run,
//! formatting of the message included, executes no exclusive load/store or
//! atomic instruction, which would hang a real Pi with the MMU off.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 101",
    "check no-atomics",
    "expect *** KERNEL PANIC ***",
    "expect crash_panic_before_mmu.rs:",
    "expect message  early panic number 7",
    "expect backtrace",
    "expect *** core 0 halted",
);

kernel::test_main!(main, before_mmu = panic_before_mmu);

/// Called by start-up with the MMU off.
fn panic_before_mmu() {
    let number = core::hint::black_box(7);
    panic!("early panic number {number}");
}

fn main() -> ! {
    panic!("start-up got past a panic in its MMU-off phase");
}
