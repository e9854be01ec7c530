//! Which executor is running here: lets [`spawn`] and the timers find it.
//!
//! On the kernel there is one executor per core, entered once and never left,
//! so this is a single static (multi-core will index it by core). On the host
//! it is a thread-local, set while an executor runs on that thread.
//!
//! Spawning from an interrupt handler is supported: the handler runs on the
//! executor's core, allocation and the task table are interrupt-safe, and the
//! run queue is lock-free. The new task first runs after the handler returns.

use crate::executor::Shared;
use crate::loom::Arc;
use crate::task::{JoinHandle, SpawnError, SpawnErrorKind};
use core::future::Future;

#[cfg(not(feature = "std"))]
mod current {
    use super::Shared;
    use core::sync::atomic::{AtomicPtr, Ordering};

    static CURRENT: AtomicPtr<Shared> = AtomicPtr::new(core::ptr::null_mut());

    #[inline(always)]
    pub(super) fn get() -> *const Shared {
        CURRENT.load(Ordering::Acquire)
    }

    pub(super) fn set(shared: *const Shared) -> *const Shared {
        CURRENT.swap(shared as *mut Shared, Ordering::AcqRel)
    }
}

#[cfg(feature = "std")]
mod current {
    use super::Shared;
    use std::cell::Cell;

    #[cfg(not(loom))]
    std::thread_local! {
        static CURRENT: Cell<*const Shared> = const { Cell::new(core::ptr::null()) };
    }

    // Loom runs its threads as coroutines on one thread: it needs its own
    // thread-locals (wakes compare `CURRENT` to tell the loop's thread).
    #[cfg(loom)]
    loom::thread_local! {
        static CURRENT: Cell<*const Shared> = Cell::new(core::ptr::null());
    }

    #[inline(always)]
    pub(super) fn get() -> *const Shared {
        CURRENT.with(|c| c.get())
    }

    pub(super) fn set(shared: *const Shared) -> *const Shared {
        CURRENT.with(|c| c.replace(shared))
    }
}

/// Restores the previous executor (and with it the previous loop's poll
/// record, see `poll_context`) when dropped.
pub(crate) struct EnterGuard {
    previous: *const Shared,
}

/// Makes `shared` the current executor until the guard is dropped.
pub(crate) fn enter(shared: &Arc<Shared>) -> EnterGuard {
    EnterGuard { previous: current::set(Arc::as_ptr(shared)) }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        current::set(self.previous);
    }
}

/// The current executor's address (null if none), for identity checks.
#[inline(always)]
pub(crate) fn current_ptr() -> *const Shared {
    current::get()
}

/// The current executor, if any.
pub(crate) fn current() -> Option<Arc<Shared>> {
    let shared = current::get();
    if shared.is_null() {
        return None;
    }
    // SAFETY: a non-null current pointer belongs to an executor that is
    // running (its `block_on` holds an `Arc`), so the count is at least one.
    unsafe {
        Arc::increment_strong_count(shared);
        Some(Arc::from_raw(shared))
    }
}

/// Spawns `future` on the current executor (the one running this task, or
/// the one this core's interrupt handler interrupted).
///
/// # Panics
/// Outside an executor, or if the heap is exhausted (see [`try_spawn`]).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_inner(None, future)
}

/// Like [`spawn`], with a name that introspection shows.
pub fn spawn_named<F>(name: &'static str, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_inner(Some(name), future)
}

fn spawn_inner<F>(name: Option<&'static str>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let shared = current().expect("spawn called outside an executor");
    match Shared::spawn(&shared, future, name, true) {
        Ok(handle) => handle,
        Err(_) => unreachable!("an infallible spawn does not fail"),
    }
}

/// Spawns `future` on the current executor, or returns it with the reason:
/// no executor here, or not enough memory for the task.
pub fn try_spawn<F>(future: F) -> Result<JoinHandle<F::Output>, SpawnError<F>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match current() {
        Some(shared) => Shared::spawn(&shared, future, None, false),
        None => Err(SpawnError { future, reason: SpawnErrorKind::NoExecutor }),
    }
}

/// A snapshot of the current executor's live tasks (empty outside an executor).
pub fn tasks() -> alloc::vec::Vec<crate::TaskInfo> {
    current().map(|shared| shared.tasks()).unwrap_or_default()
}

/// The current executor's counters (`None` outside an executor).
pub fn stats() -> Option<crate::ExecutorStats> {
    current().map(|shared| shared.stats())
}
