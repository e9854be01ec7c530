//! What an executor knows about the poll in progress: which task it is
//! polling, whether that task woke itself, and what is left of its
//! cooperative budget.
//!
//! The commonest wake is a task waking *itself* while it runs: `yield_now`,
//! a driver future whose budget ran out, a channel that is ready again.
//! Such a wake needs no atomic read-modify-write on the task's state and no
//! trip through a run queue: it only records "poll it again" in the
//! executor's [`PollRecord`], and when the poll returns the executor puts the
//! task back at the end of its ready list (see `executor.rs`).
//!
//! Two ways lead to the record:
//!
//! * the waker the executor hands to every poll (`task::running_waker`)
//!   points at it, so a task waking itself through `cx.waker()` sets the
//!   flag directly ([`wake_self`]);
//! * a task's own waker (a clone, woken by a future it awaits, or by an
//!   interrupt handler) finds it through the executor current on this core
//!   (`context`), whose loop is the one running here ([`wake_running`]).
//!   Every other wake takes the general path in `task/waker.rs`. A nested
//!   executor is current while its loop runs, so each loop sees only its
//!   own record.
//!
//! Why a wake from an interrupt handler that lands here is never lost: the
//! executor clears the running task *before* it reads the flag
//! ([`PollRecord::end`]), and a wake only looks at the record of its own
//! core's executor (on the host: its thread's), so a waker that finds its task running there runs either wholly
//! before that clearing (the executor then reads the flag it set) or wholly
//! after it (it finds no task running and takes the general path). An
//! interrupt handler cannot stop half way: it runs between two of the
//! interrupted code's instructions. A duplicate wake is harmless: a task
//! already scheduled is not queued twice. A waker on another core never
//! sees this core's executor (with more cores running tasks, the current
//! executor is per core).

use crate::task::Header;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering, compiler_fence};
use core::task::Waker;

/// Operations a task may do per poll before it must yield (see [`crate::coop`]).
pub(crate) const BUDGET: u32 = 128;

/// One executor's poll in progress: the task (null between polls), its
/// remaining budget and whether it woke itself. Written by the executor's
/// loop and the task it polls; read by wakes on the loop's core or thread,
/// and through the executor's own waker, which a task may lend to a scoped
/// thread during its poll (hence atomics; relaxed, because the loop's core,
/// or the join of that thread, orders them).
pub(crate) struct PollRecord {
    running: AtomicPtr<Header>,
    remaining: AtomicU32,
    woke_itself: AtomicBool,
}

impl PollRecord {
    /// A record with no poll in progress.
    pub(crate) const fn new() -> Self {
        Self {
            running: AtomicPtr::new(core::ptr::null_mut()),
            remaining: AtomicU32::new(BUDGET),
            woke_itself: AtomicBool::new(false),
        }
    }

    /// The executor is about to poll `task` (null: the `block_on` future,
    /// which is no task): records it and refills the budget.
    #[inline(always)]
    pub(crate) fn begin(&self, task: *mut Header) {
        self.remaining.store(BUDGET, Ordering::Relaxed);
        self.woke_itself.store(false, Ordering::Relaxed);
        // A wake from an interrupt that sees the task running must find the
        // flag already cleared.
        compiler_fence(Ordering::SeqCst);
        self.running.store(task, Ordering::Relaxed);
    }

    /// The poll is over: forgets the running task and returns whether it
    /// woke itself meanwhile.
    #[inline(always)]
    pub(crate) fn end(&self) -> bool {
        self.running.store(core::ptr::null_mut(), Ordering::Relaxed);
        // An interrupt after this store takes the general wake path; one
        // before it has set the flag read below.
        compiler_fence(Ordering::SeqCst);
        self.woke_itself.load(Ordering::Relaxed)
    }

    /// The task being polled (null between polls).
    #[inline(always)]
    pub(crate) fn running(&self) -> *mut Header {
        self.running.load(Ordering::Relaxed)
    }

    /// Records that the task being polled woke itself.
    #[inline(always)]
    pub(crate) fn set_woke_itself(&self) {
        self.woke_itself.store(true, Ordering::Relaxed);
    }
}

/// Calls `f` with the record of the executor loop running on this core
/// (thread), if there is one.
#[inline(always)]
fn with_current<R>(f: impl FnOnce(&PollRecord) -> R) -> Option<R> {
    let shared = crate::context::current_ptr();
    // SAFETY: the current executor is set only while its loop runs here
    // (`context::enter`, undone when the loop ends), and it outlives its
    // loop, so its record outlives this call.
    (!shared.is_null()).then(|| f(unsafe { &(*shared).record }))
}

/// If `task` is the one being polled on this core (thread), records that it
/// must be polled again and returns true; otherwise returns false and the
/// caller wakes it the general way.
#[inline(always)]
pub(crate) fn wake_running(task: *mut Header) -> bool {
    with_current(|record| {
        if record.running() != task {
            return false;
        }
        // No interrupt can run the executor's `end` between the check and
        // this store: it is either already over (the check failed) or not
        // yet begun (it reads the flag).
        record.set_woke_itself();
        true
    })
    .unwrap_or(false)
}

/// Wakes the running task without a call through `waker` when `waker` is
/// the one its executor lent to this poll: what the running task's own
/// futures use when they wake themselves (`yield_now`). Returns false
/// (nothing done) for any other waker; the caller then wakes it.
#[inline(always)]
pub(crate) fn wake_self(waker: &Waker) -> bool {
    if !crate::task::is_running_waker(waker) {
        return false;
    }
    // SAFETY: an executor's lent waker points at its live record.
    unsafe { &*(waker.data() as *const PollRecord) }.set_woke_itself();
    true
}

/// Whether `task` is the one being polled on this core (thread) right now.
pub(crate) fn is_running(task: &Header) -> bool {
    with_current(|record| core::ptr::eq(record.running(), task)).unwrap_or(false)
}

/// What is left of the running task's cooperative budget (no limit outside
/// an executor's loop: nobody else would be starved).
#[inline(always)]
pub(crate) fn budget() -> u32 {
    with_current(|record| record.remaining.load(Ordering::Relaxed)).unwrap_or(BUDGET)
}

/// Sets what is left of the running task's cooperative budget.
#[inline(always)]
pub(crate) fn set_budget(value: u32) {
    with_current(|record| record.remaining.store(value, Ordering::Relaxed));
}
