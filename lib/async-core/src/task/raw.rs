//! The task allocation: header layout, the per-future vtable, allocation.

use crate::loom::UnsafeCell;
use crate::loom::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use crate::queue::QueueLink;
use alloc::alloc::{alloc, dealloc as free, handle_alloc_error};
use core::alloc::Layout;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

/// What every task starts with. `#[repr(C)]` with the queue link first, so a
/// queue node pointer is a header pointer.
#[repr(C)]
pub(crate) struct Header {
    /// Run-queue link while queued; the owning executor's `Shared` (as a raw
    /// `Arc` the task owns) while not queued.
    pub(crate) link: QueueLink,
    /// Flags and reference count (see the module documentation).
    pub(crate) state: AtomicU32,
    /// Slot in the executor's task table (the task's id).
    pub(crate) id: AtomicU32,
    /// Operations for this task's future type.
    pub(crate) vtable: &'static TaskVTable,
    /// The JoinHandle's waker: null, a task header (tag 0, holds a reference),
    /// or a boxed foreign `Waker` (tag 1).
    pub(crate) join_waker: AtomicPtr<()>,
    /// Number of polls (written by the executor only).
    pub(crate) polls: AtomicU32,
    /// Longest single poll, in clock ticks, saturating.
    pub(crate) longest_poll: AtomicU32,
    /// Sum of all polls, in clock ticks.
    pub(crate) total_poll: AtomicU64,
}

/// Type-specific operations on a task, one static instance per future type.
pub(crate) struct TaskVTable {
    /// Polls the future; on `Ready` drops it and stores the output. If it
    /// unwinds (a panic on the host), the future is gone either way.
    /// Caller holds `RUNNING` and the stage holds the future.
    pub(crate) poll: unsafe fn(NonNull<Header>, &mut Context<'_>) -> Poll<()>,
    /// Drops the future. Caller holds `RUNNING` and the stage holds the future.
    pub(crate) drop_future: unsafe fn(NonNull<Header>),
    /// Drops the output. Caller has exclusive access to a stored output.
    pub(crate) drop_output: unsafe fn(NonNull<Header>),
    /// Moves the output to `*dst` (a `*mut F::Output`). Same requirement.
    pub(crate) read_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Frees the allocation (nothing in the stage is dropped).
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Size of the whole allocation in bytes.
    pub(crate) allocation_size: usize,
}

/// Drops the future of a poll that panicked (forgotten when the poll returns;
/// with `panic = abort` it compiles to nothing).
struct DropFutureOnUnwind<F: Future> {
    stage: *mut Stage<F>,
}

impl<F: Future> Drop for DropFutureOnUnwind<F> {
    fn drop(&mut self) {
        // SAFETY: made by `TaskCell::poll` while it has exclusive access to a
        // stage holding the future, and only dropped if `F::poll` unwound,
        // which leaves the future in place.
        unsafe { ManuallyDrop::drop(&mut (*self.stage).future) };
    }
}

union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<F::Output>,
}

#[repr(C)]
struct TaskCell<F: Future> {
    header: Header,
    stage: UnsafeCell<Stage<F>>,
}

impl<F: Future> TaskCell<F> {
    const VTABLE: TaskVTable = TaskVTable {
        poll: Self::poll,
        drop_future: Self::drop_future,
        drop_output: Self::drop_output,
        read_output: Self::read_output,
        dealloc: Self::dealloc,
        allocation_size: core::mem::size_of::<Self>(),
    };

    /// # Safety
    /// `header` must point at a live `TaskCell<F>`.
    unsafe fn cell<'a>(header: NonNull<Header>) -> &'a Self {
        // SAFETY: the header is the first field of a `#[repr(C)]` TaskCell<F>
        // allocated by `allocate::<F>` (the vtable is only reachable from it).
        unsafe { header.cast::<Self>().as_ref() }
    }

    unsafe fn poll(header: NonNull<Header>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: caller contract: live cell, RUNNING held, future present.
        let cell = unsafe { Self::cell(header) };
        cell.stage.with_mut(|stage| {
            // A poll that panics (on the host) drops its future here, the one
            // place that knows the future is still there.
            let unwinding = DropFutureOnUnwind { stage };
            // SAFETY: RUNNING gives exclusive access; the future never moves
            // (it stays in its heap cell until dropped in place).
            let future = unsafe { Pin::new_unchecked(&mut *(*stage).future) };
            let result = future.poll(cx);
            core::mem::forget(unwinding);
            let Poll::Ready(output) = result else { return Poll::Pending };
            // SAFETY: exclusive access, the future is present.
            unsafe { Self::complete(stage, output) };
            Poll::Ready(())
        })
    }

    /// Drops the finished future in place and stores its output: once per
    /// task, so kept out of the poll's hot path. Should the future's `Drop`
    /// panic, it is not dropped again: the output goes with the unwinding.
    ///
    /// # Safety
    /// Exclusive access to the stage, which holds the future.
    #[cold]
    unsafe fn complete(stage: *mut Stage<F>, output: F::Output) {
        // SAFETY: per the contract; the union then holds the output.
        unsafe {
            ManuallyDrop::drop(&mut (*stage).future);
            stage.write(Stage { output: ManuallyDrop::new(output) });
        }
    }

    unsafe fn drop_future(header: NonNull<Header>) {
        // SAFETY: caller contract: RUNNING held, future present.
        let cell = unsafe { Self::cell(header) };
        // SAFETY: as above; dropped in place, never touched again as a future.
        cell.stage.with_mut(|stage| unsafe { ManuallyDrop::drop(&mut (*stage).future) });
    }

    unsafe fn drop_output(header: NonNull<Header>) {
        // SAFETY: caller contract: exclusive access to a stored output.
        let cell = unsafe { Self::cell(header) };
        // SAFETY: as above.
        cell.stage.with_mut(|stage| unsafe { ManuallyDrop::drop(&mut (*stage).output) });
    }

    unsafe fn read_output(header: NonNull<Header>, dst: *mut ()) {
        // SAFETY: caller contract: live cell with a stored output.
        let cell = unsafe { Self::cell(header) };
        // SAFETY: caller contract: exclusive access to the output and `dst` is
        // a valid `*mut F::Output`; the caller clears OUTPUT afterwards, so the
        // value is moved out exactly once.
        cell.stage.with_mut(|stage| unsafe {
            dst.cast::<F::Output>().write(ManuallyDrop::take(&mut (*stage).output));
        });
    }

    unsafe fn dealloc(header: NonNull<Header>) {
        // SAFETY: allocated in `allocate::<F>` with this exact layout; the
        // caller (last reference) guarantees nobody uses it any more.
        unsafe {
            let cell = header.cast::<Self>().as_ptr();
            core::ptr::drop_in_place(&raw mut (*cell).header);
            core::ptr::drop_in_place(&raw mut (*cell).stage);
            free(cell.cast(), Layout::new::<Self>());
        }
    }
}

/// Allocates a task for `future` with the given initial state and link.
/// Returns the future back if the heap is exhausted.
pub(crate) fn allocate<F: Future>(
    future: F,
    state: u32,
    link: *mut QueueLink,
    infallible: bool,
) -> Result<NonNull<Header>, F> {
    let layout = Layout::new::<TaskCell<F>>();
    // SAFETY: TaskCell always has a non-zero size (the header alone is 48 bytes).
    let memory = unsafe { alloc(layout) } as *mut TaskCell<F>;
    let Some(memory) = NonNull::new(memory) else {
        if infallible {
            handle_alloc_error(layout);
        }
        return Err(future);
    };
    let cell = TaskCell {
        header: Header {
            link: QueueLink::new(link),
            state: AtomicU32::new(state),
            id: AtomicU32::new(u32::MAX),
            vtable: &TaskCell::<F>::VTABLE,
            join_waker: AtomicPtr::new(core::ptr::null_mut()),
            polls: AtomicU32::new(0),
            longest_poll: AtomicU32::new(0),
            total_poll: AtomicU64::new(0),
        },
        stage: UnsafeCell::new(Stage { future: ManuallyDrop::new(future) }),
    };
    // SAFETY: freshly allocated with the layout of TaskCell<F>.
    unsafe { memory.as_ptr().write(cell) };
    Ok(memory.cast())
}

/// Takes the future back out of a task that was never published, and frees
/// the task (releasing the executor reference in its link).
///
/// # Safety
/// `header` must come from `allocate::<F>` and be known to nobody else.
pub(crate) unsafe fn take_unstarted_future<F: Future>(header: NonNull<Header>) -> F {
    let cell = header.cast::<TaskCell<F>>();
    // SAFETY: exclusive ownership; the future is present and read exactly once,
    // then the memory is freed without dropping the stage again.
    unsafe {
        let future = (*cell.as_ptr()).stage.with_mut(|s| ManuallyDrop::take(&mut (*s).future));
        let owner = header.as_ref().link.next.load(Ordering::Relaxed);
        TaskCell::<F>::dealloc(header);
        drop(crate::loom::Arc::from_raw(owner as *const crate::executor::Shared));
        future
    }
}
