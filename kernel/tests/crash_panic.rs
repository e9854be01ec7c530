//! A panic prints its message and location the same way as a fatal exception
//! (header, backtrace, heap counters) and ends the test kernel with status 101.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 101",
    "expect test panic_reports_message_and_location ... ",
    "expect *** KERNEL PANIC ***",
    "expect at kernel/tests/crash_panic.rs:22:5",
    "expect message  deliberate panic with value 42",
    "expect backtrace (innermost first):",
    "expect #0 ",
    "expect heap ",
    "expect *** core 0 halted",
);

kernel::test_kernel!(panic_reports_message_and_location);

fn panic_reports_message_and_location() {
    let value = core::hint::black_box(42);
    panic!("deliberate panic with value {value}");
}
