//! `bytes_per_task`: heap bytes per spawned, pending task, for each system,
//! counted by a counting global allocator. Prints CSV rows
//! (`bytes_per_task,SYSTEM,VALUE,bytes`) for `make bench`.
//!
//! Each system spawns [`TASKS`] tasks whose future is `bench::pending_task`
//! (zero bytes), runs until each has been polled once (checked: the future
//! counts its polls), and the bytes still allocated, minus those before, are
//! divided by the count: executor overhead per task, including any queue or
//! table growth it caused.

use bench::{
    PENDING_POLLS, System, futures_rt::Futures, smol_rt::Smol, this::This, tokio_rt::Tokio,
};
use std::alloc::{GlobalAlloc, Layout, System as SystemAllocator};
use std::sync::atomic::{AtomicIsize, Ordering};

/// Pending tasks per measurement.
const TASKS: usize = 10_000;

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { SystemAllocator.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { SystemAllocator.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { SystemAllocator.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn measure<S: System>() {
    let mut system = S::new();
    // Warm up: let lazily created structures (queues, timers) exist first.
    drop(system.spawn_pending(100));
    let before = LIVE.load(Ordering::Relaxed);
    let polled = PENDING_POLLS.load(Ordering::Relaxed);
    let guard = system.spawn_pending(TASKS);
    let after = LIVE.load(Ordering::Relaxed);
    let polled = PENDING_POLLS.load(Ordering::Relaxed) - polled;
    assert_eq!(polled, TASKS, "{}: every task was polled once", S::NAME);
    let per_task = (after - before) as f64 / TASKS as f64;
    println!("bytes_per_task,{},{per_task:.1},bytes", S::NAME);
    drop(guard);
}

fn main() {
    measure::<This>();
    measure::<Tokio>();
    measure::<Smol>();
    measure::<Futures>();
}
