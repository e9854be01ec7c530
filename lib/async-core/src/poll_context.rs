//! What this core's executor knows about the poll in progress: which task it
//! is polling, whether that task woke itself, and its cooperative budget.
//!
//! The commonest wake is a task waking *itself* while it runs: `yield_now`,
//! a driver future whose budget ran out, a channel that is ready again.
//! Such a wake needs no atomic read-modify-write on the task's state and no
//! trip through the shared run queue: the wake only records "poll it again"
//! here ([`wake_running`]), and when the poll returns the executor puts the
//! task back at the end of its run queue (see `executor.rs`). Every other wake
//! (another task, an interrupt handler, another core or thread) takes the
//! general path in `task/waker.rs`.
//!
//! Why a wake from an interrupt handler that lands here is never lost: the
//! executor clears the running task *before* it reads the flag ([`end`]),
//! and a slot belongs to one core (on the host: one thread), so a waker that
//! finds its task running there runs either wholly before that clearing
//! (the executor then reads the flag it set) or wholly after it (it finds
//! no task running and takes the general path). An interrupt handler cannot
//! stop half way: it runs between two of the interrupted code's instructions.
//! A duplicate wake is harmless: a task already scheduled is not queued
//! twice. A waker on another core never sees this core's slot (with more
//! cores running tasks, the slot is indexed by core).

use crate::task::Header;
use core::task::Waker;

/// Operations a task may do per poll before it must yield (see [`crate::coop`]).
pub(crate) const BUDGET: u32 = 128;

/// The poll slot's contents, saved while a nested executor runs on the same
/// core or thread (`block_on` inside a task) and restored after.
pub(crate) struct Saved {
    running: *mut Header,
    woke_itself: bool,
    remaining: u32,
}

#[cfg(not(feature = "std"))]
mod slot {
    use super::{Header, Saved};
    use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering, compiler_fence};

    // One core runs tasks (multi-core will index this by core). Only its own
    // core touches a slot: the executor, the tasks it polls and the interrupt
    // handlers that interrupt them. An interrupt handler runs between two of
    // the interrupted code's instructions and sees all of its earlier stores,
    // so program order is all the ordering needed: relaxed accesses (plain
    // loads and stores), kept in order by compiler fences.
    /// The three fields in one static, so the hot paths address them from
    /// one base register.
    #[repr(C)]
    struct Slot {
        running: AtomicPtr<Header>,
        remaining: AtomicU32,
        woke_itself: AtomicBool,
    }

    static SLOT: Slot = Slot {
        running: AtomicPtr::new(core::ptr::null_mut()),
        remaining: AtomicU32::new(super::BUDGET),
        woke_itself: AtomicBool::new(false),
    };

    #[inline(always)]
    pub(super) fn begin(task: *mut Header) {
        SLOT.remaining.store(super::BUDGET, Ordering::Relaxed);
        SLOT.woke_itself.store(false, Ordering::Relaxed);
        // A wake from an interrupt that sees the task running must find the
        // flag already cleared.
        compiler_fence(Ordering::SeqCst);
        SLOT.running.store(task, Ordering::Relaxed);
    }

    #[inline(always)]
    pub(super) fn end() -> bool {
        SLOT.running.store(core::ptr::null_mut(), Ordering::Relaxed);
        // An interrupt after this store takes the general wake path; one
        // before it has set the flag read below.
        compiler_fence(Ordering::SeqCst);
        SLOT.woke_itself.load(Ordering::Relaxed)
    }

    #[inline(always)]
    pub(super) fn wake_running(task: *mut Header) -> bool {
        if SLOT.running.load(Ordering::Relaxed) != task {
            return false;
        }
        // No interrupt can run the executor's `end` between the check and
        // this store: it is either already over (the check failed) or not
        // yet begun (it reads the flag).
        SLOT.woke_itself.store(true, Ordering::Relaxed);
        true
    }

    #[inline(always)]
    pub(super) fn budget() -> u32 {
        SLOT.remaining.load(Ordering::Relaxed)
    }

    pub(super) fn running() -> *const Header {
        SLOT.running.load(Ordering::Relaxed)
    }

    pub(super) fn save() -> Saved {
        let running = SLOT.running.swap(core::ptr::null_mut(), Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        let saved = Saved {
            running,
            woke_itself: SLOT.woke_itself.load(Ordering::Relaxed),
            remaining: SLOT.remaining.load(Ordering::Relaxed),
        };
        SLOT.woke_itself.store(false, Ordering::Relaxed);
        saved
    }

    pub(super) fn restore(saved: Saved) {
        SLOT.remaining.store(saved.remaining, Ordering::Relaxed);
        // A wake of the outer task that landed while the inner executor ran
        // found it not running and took the general path; keep any earlier one.
        SLOT.woke_itself.store(saved.woke_itself, Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        SLOT.running.store(saved.running, Ordering::Relaxed);
    }

    #[inline(always)]
    pub(super) fn set_budget(value: u32) {
        SLOT.remaining.store(value, Ordering::Relaxed);
    }
}

#[cfg(feature = "std")]
mod slot {
    use super::{Header, Saved};
    use core::cell::Cell;

    struct Slot {
        running: Cell<*mut Header>,
        woke_itself: Cell<bool>,
        remaining: Cell<u32>,
    }

    #[cfg(not(loom))]
    std::thread_local! {
        static SLOT: Slot = const {
            Slot {
                running: Cell::new(core::ptr::null_mut()),
                woke_itself: Cell::new(false),
                remaining: Cell::new(super::BUDGET),
            }
        };
    }

    // Loom runs its threads as coroutines: it needs its own thread-locals.
    #[cfg(loom)]
    loom::thread_local! {
        static SLOT: Slot = Slot {
            running: Cell::new(core::ptr::null_mut()),
            woke_itself: Cell::new(false),
            remaining: Cell::new(super::BUDGET),
        };
    }

    #[inline(always)]
    pub(super) fn begin(task: *mut Header) {
        SLOT.with(|s| {
            s.remaining.set(super::BUDGET);
            s.woke_itself.set(false);
            s.running.set(task);
        });
    }

    #[inline(always)]
    pub(super) fn end() -> bool {
        SLOT.with(|s| {
            s.running.set(core::ptr::null_mut());
            s.woke_itself.get()
        })
    }

    #[inline(always)]
    pub(super) fn wake_running(task: *mut Header) -> bool {
        SLOT.with(|s| {
            let running = s.running.get() == task;
            if running {
                s.woke_itself.set(true);
            }
            running
        })
    }

    #[inline(always)]
    pub(super) fn budget() -> u32 {
        SLOT.with(|s| s.remaining.get())
    }

    pub(super) fn running() -> *const Header {
        SLOT.with(|s| s.running.get())
    }

    pub(super) fn save() -> Saved {
        SLOT.with(|s| Saved {
            running: s.running.replace(core::ptr::null_mut()),
            woke_itself: s.woke_itself.replace(false),
            remaining: s.remaining.get(),
        })
    }

    pub(super) fn restore(saved: Saved) {
        SLOT.with(|s| {
            s.remaining.set(saved.remaining);
            s.woke_itself.set(saved.woke_itself);
            s.running.set(saved.running);
        });
    }

    #[inline(always)]
    pub(super) fn set_budget(value: u32) {
        SLOT.with(|s| s.remaining.set(value));
    }
}

/// The executor is about to poll `task` (null: the `block_on` future, which
/// is no task): records it and refills the cooperative budget.
#[inline(always)]
pub(crate) fn begin(task: *mut Header) {
    slot::begin(task);
}

/// The poll is over: forgets the running task and returns whether it woke
/// itself meanwhile.
#[inline(always)]
pub(crate) fn end() -> bool {
    slot::end()
}

/// If `task` is the one being polled on this core (thread), records that it
/// must be polled again and returns true; otherwise returns false and the
/// caller wakes it the general way.
#[inline(always)]
pub(crate) fn wake_running(task: *mut Header) -> bool {
    slot::wake_running(task)
}

/// Wakes the task `waker` belongs to if that is the task being polled on
/// this core (thread), without a call through the waker: what the running
/// task's own futures use when they wake themselves (`yield_now`). Returns
/// false (nothing done) for any other waker; the caller then wakes it.
#[inline(always)]
pub(crate) fn wake_self(waker: &Waker) -> bool {
    crate::task::is_task_waker(waker) && wake_running(waker.data() as *mut Header)
}

/// Whether `task` is the one being polled on this core (thread) right now.
pub(crate) fn is_running(task: &Header) -> bool {
    core::ptr::eq(slot::running(), task)
}

/// What is left of the running task's cooperative budget.
#[inline(always)]
pub(crate) fn budget() -> u32 {
    slot::budget()
}

/// Sets what is left of the running task's cooperative budget.
#[inline(always)]
pub(crate) fn set_budget(value: u32) {
    slot::set_budget(value);
}

/// Saves the slot and empties it: an executor starting to run on this core
/// (thread) calls it, so a nested `block_on` inside a task does not lose the
/// outer task's self-wake or budget.
pub(crate) fn save() -> Saved {
    slot::save()
}

/// Puts back what [`save`] took, when that executor stops running here.
pub(crate) fn restore(saved: Saved) {
    slot::restore(saved);
}
