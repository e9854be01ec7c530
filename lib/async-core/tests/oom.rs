//! `try_spawn` reports an exhausted heap as an error (giving the future back)
//! instead of aborting. A global allocator that fails on request simulates
//! the exhausted heap.

use async_core::{Executor, SpawnErrorKind, VirtualTimePlatform};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct FailingAllocator;

std::thread_local! {
    static FAIL: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator, or returns null (allowed) when
// this thread asked for failures.
unsafe impl GlobalAlloc for FailingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if FAIL.with(|f| f.get()) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: FailingAllocator = FailingAllocator;

#[test]
fn try_spawn_gives_the_future_back_when_memory_runs_out() {
    let ex = Executor::new(VirtualTimePlatform::install(1_000));
    let marker = String::from("still mine");
    FAIL.with(|f| f.set(true));
    let result = ex.try_spawn(async move { marker.len() });
    FAIL.with(|f| f.set(false));
    let error = result.expect_err("the heap is exhausted");
    assert_eq!(error.reason, SpawnErrorKind::OutOfMemory);
    // The future came back intact and still runs.
    let handle = ex.spawn(error.future);
    assert_eq!(ex.block_on(handle), Ok(10));
    assert_eq!(ex.stats().live, 0);
}
