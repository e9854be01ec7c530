//! An allocation the heap cannot satisfy prints a report (the panic from
//! `handle_alloc_error`, with the heap counters) instead of hanging.
#![no_std]
#![no_main]

extern crate alloc;

kernel::test_spec!(
    "exit 101",
    "expect *** KERNEL PANIC ***",
    "expect memory allocation of 4294967296 bytes failed",
    "expect heap ",
    "expect 1 failed allocations",
    "expect *** core 0 halted",
);

kernel::test_kernel!(allocate_more_than_the_heap);

fn allocate_more_than_the_heap() {
    let mut vec: alloc::vec::Vec<u8> = alloc::vec::Vec::with_capacity(4 << 30);
    // Make the buffer escape, or LLVM may delete the unused allocation.
    core::hint::black_box(vec.as_mut_ptr());
    panic!("allocated {} bytes from a heap smaller than that", vec.capacity());
}
