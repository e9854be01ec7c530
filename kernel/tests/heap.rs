//! The heap covers the RAM the firmware reports minus the kernel, allocates
//! and frees, tracks its counters, and reports exhaustion as an error.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::mem::MaybeUninit;
use kernel::mem::{heap, layout};

kernel::test_kernel!(
    heap_spans_ram_after_the_kernel,
    box_and_vec_allocate_and_free,
    peak_tracks_the_high_water_mark,
    exhaustion_returns_null_and_is_counted,
    try_reserve_reports_exhaustion,
    large_blocks_reach_the_end_of_ram,
);

fn heap_spans_ram_after_the_kernel() {
    let stats = heap::stats();
    let info = kernel::start::boot_info().unwrap();
    assert_eq!(stats.start as u64, layout::kernel_image().end);
    assert_eq!((stats.start + stats.size) as u64, info.ram_end);
    assert!(stats.size > 512 << 20, "heap of {} bytes", stats.size);
}

fn box_and_vec_allocate_and_free() {
    let before = heap::stats().used;
    let boxed = Box::new([7u8; 1000]);
    let mut vec: Vec<u64> = (0..10_000).collect();
    assert!(heap::stats().used >= before + 1000 + 80_000);
    vec.push(1);
    assert_eq!(vec.iter().sum::<u64>(), 49_995_001);
    assert_eq!(boxed.iter().map(|&b| b as u32).sum::<u32>(), 7000);
    drop(boxed);
    drop(vec);
    assert_eq!(heap::stats().used, before);
}

fn peak_tracks_the_high_water_mark() {
    let before = heap::stats();
    let mut big = Vec::<u8>::with_capacity(1 << 20);
    // Make the buffer escape, or LLVM may delete the unused allocation.
    core::hint::black_box(big.as_mut_ptr());
    let during = heap::stats();
    drop(big);
    let after = heap::stats();
    assert!(during.peak >= before.used + (1 << 20));
    assert_eq!(after.peak, during.peak.max(before.peak));
    assert_eq!(after.used, before.used);
}

fn exhaustion_returns_null_and_is_counted() {
    let before = heap::stats();
    let layout = Layout::from_size_align(before.free + (1 << 20), 16).unwrap();
    // SAFETY: a valid, non-zero-size layout; the result is checked for null.
    // `black_box` makes the pointer escape: otherwise LLVM may delete an
    // allocation whose result is only compared with null, and fold the check.
    let ptr = core::hint::black_box(unsafe { alloc::alloc::alloc(layout) });
    if !ptr.is_null() {
        // SAFETY: allocated just above with `layout`.
        unsafe { alloc::alloc::dealloc(ptr, layout) };
        panic!("allocated more than the heap holds");
    }
    let after = heap::stats();
    assert_eq!(after.failed, before.failed + 1);
    assert_eq!(after.used, before.used, "a failed allocation uses nothing");
    // The heap still works.
    let small = Box::new(5u32);
    assert_eq!(*small, 5);
}

fn try_reserve_reports_exhaustion() {
    let mut vec: Vec<u8> = Vec::new();
    assert!(vec.try_reserve(heap::stats().free * 2).is_err());
    assert!(vec.try_reserve(4096).is_ok());
}

fn large_blocks_reach_the_end_of_ram() {
    // Fill most of the heap in 64 MiB blocks and write one byte in every
    // 2 MiB of each, plus the last byte: every 2 MiB block of RAM the heap
    // covers must be mapped and writable.
    const STRIDE: usize = 2 << 20;
    let mut blocks: Vec<Box<[MaybeUninit<u8>]>> = Vec::new();
    let block = 64 << 20;
    while heap::stats().free > block + (4 << 20) {
        let mut b = Box::<[u8]>::new_uninit_slice(block);
        for offset in (0..block).step_by(STRIDE) {
            b[offset].write((offset / STRIDE) as u8);
        }
        b[block - 1].write(0x5a);
        blocks.push(b);
    }
    let highest = blocks.iter().map(|b| b.as_ptr() as u64 + b.len() as u64).max().unwrap();
    let ram_end = kernel::start::boot_info().unwrap().ram_end;
    assert!(
        highest > ram_end - (2 * block as u64),
        "blocks end at {highest:#x}, RAM at {ram_end:#x}"
    );
    for b in &blocks {
        for offset in (0..block).step_by(STRIDE) {
            // SAFETY: this byte was written above.
            assert_eq!(unsafe { b[offset].assume_init_read() }, (offset / STRIDE) as u8);
        }
        // SAFETY: written above.
        assert_eq!(unsafe { b[block - 1].assume_init_read() }, 0x5a);
    }
}
