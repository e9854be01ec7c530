//! Unbounded recursion runs the kernel stack into its unmapped guard page; the
//! data abort is handled on the separate exception stack and reported as a
//! stack overflow.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 102",
    "expect test overflow_the_kernel_stack ... ",
    "expect *** KERNEL CRASH: fatal exception ***",
    "expect class    Data Abort from the current EL (EC 0x25)",
    "expect fault    translation fault, level 3 on write",
    "expect cause    kernel stack overflow: the access hit the guard page below the kernel stack",
    "expect backtrace (innermost first):",
    "expect #5 ",
    "expect *** core 0 halted",
);

kernel::test_kernel!(overflow_the_kernel_stack);

// Deliberately endless: the point is to run off the end of the stack.
#[allow(unconditional_recursion)]
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let mut frame = [depth; 32];
    core::hint::black_box(&mut frame);
    recurse(depth + 1) + frame[(depth % 32) as usize]
}

fn overflow_the_kernel_stack() {
    let result = recurse(0);
    panic!("recursion returned {result}");
}
