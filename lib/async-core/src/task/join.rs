//! `JoinHandle`: the spawner's view of a task — a future of its output, and
//! the way to abort it.
//!
//! The handle's waker lives in the header's `join_waker` slot as one tagged
//! pointer: a task waker is stored as its header (tag 0, holding a
//! reference), any other waker is boxed (tag 1). Registration and completion
//! both `swap` the slot, so exactly one side ends up owning (and waking or
//! dropping) a registered waker, and the handle re-checks completion after
//! registering, so a completion in between is never missed.

use super::raw::Header;
use super::waker::{drop_ref, inc_ref, task_of};
use super::{ABORTED, COMPLETE, HANDLE, OUTPUT, RUNNING, SCHEDULED, TaskId};
use crate::loom::atomic::Ordering;
use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll, Waker};

/// Why a task produced no output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The task was aborted (through its `JoinHandle`, or because its executor
    /// was dropped) before it finished, or (on the host) its poll panicked:
    /// the panic itself goes on out of the executor's `block_on`.
    Aborted,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aborted => f.write_str("the task was aborted"),
        }
    }
}

/// Owned handle to a spawned task: `.await` it for the task's output,
/// [`abort`](JoinHandle::abort) it, or drop it to detach the task (which keeps
/// running).
pub struct JoinHandle<T> {
    header: NonNull<Header>,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves `T` out of the task (so `T: Send` suffices),
// and every access to shared task state is atomic.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `abort`, `is_finished` and `id`, which are atomic.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// `header` must be a task with output type `T` whose `HANDLE` flag and
    /// one reference belong to this handle.
    pub(crate) unsafe fn from_raw(header: NonNull<Header>) -> Self {
        Self { header, _output: PhantomData }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference, so the header is alive.
        unsafe { self.header.as_ref() }
    }

    /// The task's id (its slot in the executor's table).
    pub fn id(&self) -> TaskId {
        TaskId(self.header().id.load(Ordering::Relaxed))
    }

    /// Whether the task has finished (completed or aborted).
    pub fn is_finished(&self) -> bool {
        self.header().state.load(Ordering::Acquire) & COMPLETE != 0
    }

    /// Aborts the task. If it is waiting for a wake its future is dropped
    /// now, before this returns; if it is being polled right now (from this
    /// very task, or another core), right after that poll; if it is in the
    /// run queue, when its executor takes it off (it is not polled again). Awaiting the
    /// handle then gives `Err(JoinError::Aborted)` — unless the task finished
    /// first, in which case its output is kept. Callable from anywhere,
    /// including interrupt handlers (the future's destructor then runs there).
    pub fn abort(&self) {
        // SAFETY: the handle holds a reference.
        unsafe { abort_task(self.header) };
    }

    /// Lets the task run on without a handle (the same as dropping the handle).
    pub fn detach(self) {}
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(result) = self.try_take() {
            return Poll::Ready(result);
        }
        register_join_waker(self.header(), cx.waker());
        // The task may have completed between the check and the registration.
        match self.try_take() {
            Some(result) => {
                // Drop the registration we no longer need.
                // SAFETY: we own whatever the swap gives us.
                unsafe {
                    drop_join_waker(
                        self.header().join_waker.swap(ptr::null_mut(), Ordering::AcqRel),
                    )
                };
                Poll::Ready(result)
            }
            None => Poll::Pending,
        }
    }
}

impl<T> JoinHandle<T> {
    fn try_take(&self) -> Option<Result<T, JoinError>> {
        let state = self.header().state.load(Ordering::Acquire);
        if state & COMPLETE == 0 {
            return None;
        }
        if state & OUTPUT != 0 {
            let mut output = MaybeUninit::<T>::uninit();
            // SAFETY: COMPLETE|OUTPUT with our HANDLE flag set: only this
            // handle may touch the output (the executor drops it only when no
            // handle exists). The flag is cleared right after, so the value is
            // moved out once.
            unsafe {
                (self.header().vtable.read_output)(self.header, output.as_mut_ptr().cast());
            }
            self.header().state.fetch_and(!OUTPUT, Ordering::AcqRel);
            // SAFETY: read_output initialised it.
            return Some(Ok(unsafe { output.assume_init() }));
        }
        if state & ABORTED != 0 {
            return Some(Err(JoinError::Aborted));
        }
        panic!("JoinHandle polled again after it returned the task's output");
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let previous = self.header().state.fetch_and(!HANDLE, Ordering::AcqRel);
        // The handle lets go even if dropping the output panics.
        let _release = super::finally(|| {
            // SAFETY: we own whatever is in the slot after the swap.
            unsafe {
                drop_join_waker(self.header().join_waker.swap(ptr::null_mut(), Ordering::AcqRel))
            };
            // SAFETY: the handle's reference.
            unsafe { drop_ref(self.header, 1) };
        });
        if previous & (COMPLETE | OUTPUT) == COMPLETE | OUTPUT {
            self.header().state.fetch_and(!OUTPUT, Ordering::AcqRel);
            // SAFETY: the task finished while we held the handle, so the
            // executor left the output to us, and nobody else will touch it
            // (OUTPUT is cleared: gone even if its `Drop` panics).
            unsafe { (self.header().vtable.drop_output)(self.header) };
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id()).finish()
    }
}

const TAG_BOXED: usize = 1;

/// Stores `waker` as the task's join waker (unless it is already there).
fn register_join_waker(header: &Header, waker: &Waker) {
    let current = header.join_waker.load(Ordering::Acquire);
    let task = task_of(waker);
    if let Some(task) = task
        && current == task.as_ptr().cast()
    {
        return; // same task waker already registered
    }
    let encoded: *mut () = match task {
        Some(task) => {
            // SAFETY: `waker` holds a reference to that task for this call.
            unsafe { inc_ref(task) };
            task.as_ptr().cast()
        }
        None => Box::into_raw(Box::new(waker.clone())).map_addr(|a| a | TAG_BOXED).cast(),
    };
    let previous = header.join_waker.swap(encoded, Ordering::AcqRel);
    // SAFETY: we own what the swap returned.
    unsafe { drop_join_waker(previous) };
}

/// Decodes a join-waker slot value into a `Waker`-like action.
unsafe fn take_join_waker(encoded: *mut ()) -> Option<JoinWaker> {
    if encoded.is_null() {
        return None;
    }
    if encoded.addr() & TAG_BOXED != 0 {
        // SAFETY: tag 1 values come from Box::into_raw in register_join_waker.
        let boxed = unsafe { Box::from_raw(encoded.map_addr(|a| a & !TAG_BOXED).cast::<Waker>()) };
        Some(JoinWaker::Foreign(*boxed))
    } else {
        Some(JoinWaker::Task(NonNull::new(encoded.cast::<Header>())?))
    }
}

enum JoinWaker {
    Task(NonNull<Header>),
    Foreign(Waker),
}

/// Drops a join-waker slot value.
///
/// # Safety
/// The caller must own the value (obtained from a swap).
pub(crate) unsafe fn drop_join_waker(encoded: *mut ()) {
    // SAFETY: forwarded.
    match unsafe { take_join_waker(encoded) } {
        None => {}
        // SAFETY: a tag-0 value owns one reference to that task.
        Some(JoinWaker::Task(task)) => unsafe { drop_ref(task, 1) },
        Some(JoinWaker::Foreign(waker)) => drop(waker),
    }
}

/// Wakes and releases a join-waker slot value.
///
/// # Safety
/// The caller must own the value (obtained from a swap).
pub(crate) unsafe fn wake_join_waker(encoded: *mut ()) {
    // SAFETY: forwarded.
    match unsafe { take_join_waker(encoded) } {
        None => {}
        // SAFETY: a tag-0 value owns one reference, which the wake consumes.
        Some(JoinWaker::Task(task)) => unsafe { super::waker::schedule(task, true) },
        Some(JoinWaker::Foreign(waker)) => waker.wake(),
    }
}

/// Takes and wakes the task's join waker (on completion).
///
/// # Safety
/// The caller must hold a reference to the task.
pub(crate) unsafe fn notify_join(header: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let encoded = unsafe { header.as_ref() }.join_waker.swap(ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: the swap gave us ownership.
    unsafe { wake_join_waker(encoded) };
}

/// Aborts the task (see [`JoinHandle::abort`]).
///
/// # Safety
/// The caller must hold a reference.
pub(crate) unsafe fn abort_task(header: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let h = unsafe { header.as_ref() };
    let mut current = h.state.load(Ordering::Acquire);
    loop {
        if current & COMPLETE != 0 {
            return;
        }
        if current & (RUNNING | SCHEDULED) != 0 {
            // Being polled, or in the run queue: the executor owns the next
            // step and drops the future when the poll returns or when it
            // takes the task off the queue (without polling it).
            match h.state.compare_exchange_weak(
                current,
                current | ABORTED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
            continue;
        }
        // Waiting: take RUNNING for exclusive access to the future.
        match h.state.compare_exchange_weak(
            current,
            current | RUNNING | ABORTED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => break,
            Err(actual) => current = actual,
        }
    }
    // The task is finished even if the future's `Drop` panics.
    let _finish = super::finally(|| {
        // COMPLETE, release RUNNING. A SCHEDULED set by a wake while we held
        // RUNNING did not queue the task: clear it.
        let mut current = h.state.load(Ordering::Acquire);
        loop {
            let new = ((current & !RUNNING) | COMPLETE) & !SCHEDULED;
            match h.state.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // Not in the run queue: `link` names the executor, which unlists it.
        // SAFETY: not queued, so `link` holds the owning executor.
        unsafe {
            let shared = h.link.next.load(Ordering::Acquire) as *const crate::executor::Shared;
            (*shared).unlist(header);
        }
        // SAFETY: we hold a reference.
        unsafe { notify_join(header) };
    });
    // SAFETY: RUNNING is ours and the future is present (not COMPLETE).
    unsafe { (h.vtable.drop_future)(header) };
}
