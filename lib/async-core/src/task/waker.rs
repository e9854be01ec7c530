//! Task wakers. A task's own `Waker` is a pointer to its header plus
//! `TASK_WAKER_VTABLE`; the waker an executor lends to the polls it makes
//! ([`running_waker`]) points at its poll record instead, and cloning it
//! gives the running task's own waker.
//!
//! * clone = one reference-count increment;
//! * wake = set `SCHEDULED` and push the task on its executor's run queue,
//!   unless it is already scheduled (never queued twice), complete, or being
//!   polled (then the executor re-queues it when the poll returns, so a wake
//!   during a poll is never lost). A task waking itself during its own poll
//!   (`yield_now`, a spent budget) needs no read-modify-write: it only
//!   tells the executor to re-queue it (`poll_context`);
//! * drop = one reference-count decrement (the last one frees the task).
//!
//! Everything is an atomic on the header: callable from tasks, interrupt
//! handlers and other cores alike.

use super::raw::Header;
use super::{COMPLETE, REF_ONE, RUNNING, SCHEDULED, ref_count};
use crate::executor::Shared;
use crate::loom::atomic::Ordering;
use crate::poll_context::PollRecord;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::task::{RawWaker, RawWakerVTable, Waker};

static TASK_WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_value, wake_by_ref, drop_waker);

/// Most references a task may have (24 bits).
const MAX_REFS: u32 = u32::MAX >> super::REF_SHIFT;

/// The waker an executor lends to every poll it makes, for the task being
/// polled: it points at the executor's [`PollRecord`], not at one task, so
/// the executor builds it once per loop instead of once per poll, and the
/// task's own wakes of it set the record's flag directly. Cloning it gives
/// the running task's own waker, which outlives the poll.
///
/// # Safety
/// `record` must outlive the returned waker, and the waker may only be
/// handed to polls of the task `record` names as running, each in a
/// `Context` made for that poll (a `Context` lives no longer than the poll
/// it is passed to, so neither does the borrow of the waker in it).
pub(crate) unsafe fn running_waker(record: &PollRecord) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(record as *const PollRecord as *const (), &RUNNING_WAKER_VTABLE);
    // SAFETY: the vtable's contract holds while the record does and a task
    // runs (the caller's contract).
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

static RUNNING_WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(running_clone, running_wake, running_wake, running_drop);

/// Whether `waker` is an executor's lent waker ([`running_waker`]).
#[inline(always)]
pub(crate) fn is_running_waker(waker: &Waker) -> bool {
    core::ptr::eq(waker.vtable(), &RUNNING_WAKER_VTABLE)
}

/// If `waker` is an executor's lent waker ([`running_waker`]), its record.
fn record_of_running_waker(waker: &Waker) -> Option<&PollRecord> {
    if is_running_waker(waker) {
        // SAFETY: such a waker points at a record that outlives it.
        Some(unsafe { &*(waker.data() as *const PollRecord) })
    } else {
        None
    }
}

unsafe fn running_clone(data: *const ()) -> RawWaker {
    // SAFETY: a lent waker's data is its live record (see `running_waker`).
    let record = unsafe { &*(data as *const PollRecord) };
    let task = NonNull::new(record.running()).expect("the executor's waker used outside a poll");
    // SAFETY: the executor holds a reference for the whole poll.
    unsafe { inc_ref(task) };
    RawWaker::new(task.as_ptr() as *const (), &TASK_WAKER_VTABLE)
}

unsafe fn running_wake(data: *const ()) {
    // SAFETY: as in `running_clone`. A lent waker owns nothing, so waking
    // it by value has nothing to drop either.
    unsafe { &*(data as *const PollRecord) }.set_woke_itself();
}

unsafe fn running_drop(_data: *const ()) {}

/// Whether `waker` is one of this crate's task wakers.
#[inline(always)]
pub(crate) fn is_task_waker(waker: &Waker) -> bool {
    core::ptr::eq(waker.vtable(), &TASK_WAKER_VTABLE)
}

/// The task `waker` wakes, if it is one of this crate's: a task's own waker,
/// or an executor's lent waker (the task it is polling).
pub(crate) fn task_of(waker: &Waker) -> Option<NonNull<Header>> {
    if is_task_waker(waker) {
        NonNull::new(waker.data() as *mut Header)
    } else {
        record_of_running_waker(waker).and_then(|record| NonNull::new(record.running()))
    }
}

/// `Waker::will_wake` that also knows an executor's lent waker and its
/// task's own waker wake the same task: what a future calls to decide
/// whether the waker it stored must be replaced.
pub(crate) fn will_wake(stored: &Waker, new: &Waker) -> bool {
    stored.will_wake(new) || matches!((task_of(stored), task_of(new)), (Some(a), Some(b)) if a == b)
}

/// Adds one reference.
///
/// # Safety
/// The caller must already hold a reference (so the task is alive).
pub(crate) unsafe fn inc_ref(header: NonNull<Header>) {
    // SAFETY: the caller holds a reference, so the header is alive.
    let previous = unsafe { header.as_ref() }.state.fetch_add(REF_ONE, Ordering::Relaxed);
    if ref_count(previous) >= MAX_REFS - 1 {
        // Wrapping would free a task that is still referenced.
        panic!("task reference count overflow");
    }
}

/// Drops `n` references; frees the task when they were the last.
///
/// # Safety
/// The caller must own `n` references and not use the task afterwards.
pub(crate) unsafe fn drop_ref(header: NonNull<Header>, n: u32) {
    // SAFETY: the caller owns references, so the header is alive.
    let previous = unsafe { header.as_ref() }.state.fetch_sub(n * REF_ONE, Ordering::AcqRel);
    debug_assert!(ref_count(previous) >= n, "task reference count underflow");
    if ref_count(previous) == n {
        // SAFETY: that was the last reference: nobody else can reach the task.
        unsafe { free_task(header) };
    }
}

/// Frees a task whose last reference is gone.
///
/// # Safety
/// No references may remain; the task is complete (the future was dropped and
/// any output taken or dropped), and it is not queued, so `link` holds the
/// owner's `Arc<Shared>`.
unsafe fn free_task(header: NonNull<Header>) {
    // SAFETY: per the contract, `link` holds the Arc this task owns.
    let shared = unsafe { header.as_ref() }.link.next.load(Ordering::Acquire) as *const Shared;
    // SAFETY: the vtable matches the allocation; nothing in the stage is live.
    unsafe { (header.as_ref().vtable.dealloc)(header) };
    // SAFETY: the task owned one strong count of its executor's Shared.
    drop(unsafe { crate::loom::Arc::from_raw(shared) });
}

/// Schedules the task (see the module documentation). If `consume_ref`, the
/// caller's reference is used up (either handed to the run queue or dropped).
///
/// # Safety
/// The caller must hold a reference.
#[inline]
pub(crate) unsafe fn schedule(header: NonNull<Header>, consume_ref: bool) {
    if crate::poll_context::wake_running(header.as_ptr()) {
        // The task woke itself during its poll: the executor re-queues it
        // when the poll returns (it holds a reference until then).
        if consume_ref {
            // SAFETY: the caller's reference, not handed on.
            unsafe { drop_ref(header, 1) };
        }
        return;
    }
    // SAFETY: the caller holds a reference.
    let state = &unsafe { header.as_ref() }.state;
    let mut current = state.load(Ordering::Acquire);
    loop {
        if current & (COMPLETE | SCHEDULED) != 0 {
            break;
        }
        if current & RUNNING != 0 {
            // The executor (or abort) owns the task now; it re-queues it after.
            match state.compare_exchange_weak(
                current,
                current | SCHEDULED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
            continue;
        }
        // Idle: queue it. The queue needs a reference: the caller's, or a new one.
        let new = (current | SCHEDULED) + if consume_ref { 0 } else { REF_ONE };
        match state.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                // SAFETY: not queued (SCHEDULED was clear), so `link` holds the
                // owning executor, which lives while the task does (the task
                // owns a strong count); the queue now owns a reference.
                unsafe {
                    let shared = header.as_ref().link.next.load(Ordering::Acquire) as *const Shared;
                    (*shared).enqueue(header);
                }
                return;
            }
            Err(actual) => current = actual,
        }
    }
    if consume_ref {
        // SAFETY: the caller's reference was not handed on.
        unsafe { drop_ref(header, 1) };
    }
}

unsafe fn clone_waker(data: *const ()) -> RawWaker {
    let header = NonNull::new(data as *mut Header).expect("task waker with a null header");
    // SAFETY: a waker being cloned holds a reference.
    unsafe { inc_ref(header) };
    RawWaker::new(data, &TASK_WAKER_VTABLE)
}

unsafe fn wake_by_value(data: *const ()) {
    let header = NonNull::new(data as *mut Header).expect("task waker with a null header");
    // SAFETY: the waker being consumed owns a reference.
    unsafe { schedule(header, true) };
}

#[inline]
unsafe fn wake_by_ref(data: *const ()) {
    let header = NonNull::new(data as *mut Header).expect("task waker with a null header");
    // SAFETY: the waker holds a reference for the duration of the call.
    unsafe { schedule(header, false) };
}

unsafe fn drop_waker(data: *const ()) {
    let header = NonNull::new(data as *mut Header).expect("task waker with a null header");
    // SAFETY: the waker being dropped owns a reference.
    unsafe { drop_ref(header, 1) };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::will_wake;
    use crate::{Executor, StdPlatform, spawn};
    use alloc::sync::Arc;
    use core::future::poll_fn;
    use core::task::{Poll, Waker};
    use std::sync::Mutex;

    #[test]
    fn will_wake_treats_the_lent_waker_and_the_tasks_own_waker_as_one_task() {
        let ex = Executor::new(StdPlatform::new());
        let first: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let stored = first.clone();
        ex.block_on(async move {
            spawn(poll_fn(move |cx| {
                let own = cx.waker().clone();
                assert!(super::is_task_waker(&own), "a clone is the task's own waker");
                assert!(will_wake(&own, cx.waker()));
                assert!(will_wake(cx.waker(), &own));
                assert!(!will_wake(&own, Waker::noop()));
                *stored.lock().unwrap() = Some(own);
                Poll::Ready(())
            }))
            .await
            .unwrap();
            spawn(poll_fn(move |cx| {
                let other = first.lock().unwrap().take().unwrap();
                assert!(!will_wake(&other, cx.waker()), "another task's waker");
                Poll::Ready(())
            }))
            .await
            .unwrap();
        });
    }
}
