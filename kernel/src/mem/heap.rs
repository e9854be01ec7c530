//! The kernel heap: `linked_list_allocator` as the global allocator, over the
//! RAM the firmware gives the ARM minus the kernel image and stacks.
//!
//! The allocator sits behind an IRQ-safe lock, so allocating is safe from any
//! context. Counters (size, used, peak, failed allocations) are atomics kept
//! outside the lock, so crash reports and `mem` can read them without locking.
//! A failed allocation returns null and is counted; `alloc` then panics with
//! "memory allocation of N bytes failed", and the panic report ends with these
//! counters. Fallible APIs (`try_reserve`, `Box::try_new` ...) just get an error.

use crate::sync::IrqSafeSpinLock;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use linked_list_allocator::Heap;

/// The global allocator.
pub struct KernelHeap {
    heap: IrqSafeSpinLock<Heap>,
    start: AtomicUsize,
    size: AtomicUsize,
    used: AtomicUsize,
    peak: AtomicUsize,
    failed: AtomicUsize,
}

/// A snapshot of the heap counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// First address of the heap.
    pub start: usize,
    /// Bytes the heap manages.
    pub size: usize,
    /// Bytes in live allocations (including alignment padding).
    pub used: usize,
    /// `size - used`; the largest single allocation may be smaller (fragmentation).
    pub free: usize,
    /// Highest `used` seen.
    pub peak: usize,
    /// Allocations that could not be satisfied.
    pub failed: usize,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap {
    heap: IrqSafeSpinLock::new(Heap::empty()),
    start: AtomicUsize::new(0),
    size: AtomicUsize::new(0),
    used: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
    failed: AtomicUsize::new(0),
};

/// Hands `[start, start + size)` to the heap.
///
/// # Safety
/// The range must be mapped read-write RAM that nothing else uses, for the
/// kernel's lifetime; call once.
pub unsafe fn init(start: usize, size: usize) {
    let mut heap = HEAP.heap.lock();
    // SAFETY: the caller hands over exclusive use of this memory.
    unsafe { heap.init(start as *mut u8, size) };
    HEAP.start.store(start, Ordering::Relaxed);
    HEAP.size.store(heap.size(), Ordering::Relaxed);
}

/// The heap counters now.
pub fn stats() -> HeapStats {
    let size = HEAP.size.load(Ordering::Relaxed);
    let used = HEAP.used.load(Ordering::Relaxed);
    HeapStats {
        start: HEAP.start.load(Ordering::Relaxed),
        size,
        used,
        free: size.saturating_sub(used),
        peak: HEAP.peak.load(Ordering::Relaxed),
        failed: HEAP.failed.load(Ordering::Relaxed),
    }
}

impl KernelHeap {
    fn record_usage(&self, used: usize) {
        self.used.store(used, Ordering::Relaxed);
        if used > self.peak.load(Ordering::Relaxed) {
            self.peak.store(used, Ordering::Relaxed);
        }
    }
}

// SAFETY: allocation and deallocation go through `linked_list_allocator::Heap`
// under a lock; the returned blocks satisfy the requested layout and are only
// handed out once until deallocated.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.heap.lock();
        match heap.allocate_first_fit(layout) {
            Ok(block) => {
                self.record_usage(heap.used());
                block.as_ptr()
            }
            Err(()) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                core::ptr::null_mut()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(block) = NonNull::new(ptr) else { return };
        let mut heap = self.heap.lock();
        // SAFETY: GlobalAlloc's contract: `ptr` came from `alloc` with `layout`.
        unsafe { heap.deallocate(block, layout) };
        self.record_usage(heap.used());
    }
}
