//! Tasks: one heap allocation each, holding a [`Header`] and the future (or,
//! once it finishes, its output).
//!
//! ```text
//!  TaskCell<F> (one allocation)
//!  ┌──────────────────────────── Header (48 bytes) ───────────────────────────┐
//!  │ link       run-queue link while queued; the owning executor otherwise    │
//!  │ state      flags + reference count (one AtomicU32)                       │
//!  │ id         slot in the executor's task table                             │
//!  │ vtable     poll / drop / read-output / dealloc for this future type       │
//!  │ join_waker the JoinHandle's waker (tagged pointer)                       │
//!  │ polls, longest_poll, total_poll   introspection                          │
//!  ├──────────────────────────────────────────────────────────────────────────┤
//!  │ stage      union { future: F, output: F::Output }                        │
//!  └──────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The state word is the task's whole life. Flags:
//!
//! * `SCHEDULED` — in the run queue, or to be put back after the current poll
//!   (a wake during a poll sets it; the executor re-queues). A task the
//!   executor re-queued after it woke itself is queued without it, still
//!   `RUNNING`.
//! * `RUNNING` — someone has exclusive access to the stage (the executor
//!   polling, or `abort` dropping the future).
//! * `COMPLETE` — the future is gone (finished or aborted).
//! * `OUTPUT` — the stage holds an output nobody has taken yet.
//! * `ABORTED` — abort was requested.
//! * `HANDLE` — a `JoinHandle` exists.
//! * `LISTED` — the task is in its executor's task table.
//! * `NAMED` — the executor has a name for it.
//!
//! References (counted in the upper 24 bits): the `JoinHandle`, each `Waker`,
//! the run queue while the task is queued, and the task table while listed.
//! The allocation is freed when the count reaches zero; by then the future has
//! finished or been dropped, and the output has been taken or dropped.

mod join;
mod raw;
mod waker;

pub use join::{JoinError, JoinHandle};
pub(crate) use join::{abort_task, notify_join};
pub(crate) use raw::{Header, allocate, take_unstarted_future};
pub(crate) use waker::will_wake;
pub(crate) use waker::{drop_ref, inc_ref, is_running_waker, running_waker};

use core::fmt;

// SCHEDULED and ABORTED are neighbours: the executor's fast path tests both
// with one logical-immediate mask.
pub(crate) const SCHEDULED: u32 = 1 << 0;
pub(crate) const ABORTED: u32 = 1 << 1;
pub(crate) const RUNNING: u32 = 1 << 2;
pub(crate) const COMPLETE: u32 = 1 << 3;
pub(crate) const HANDLE: u32 = 1 << 4;
pub(crate) const OUTPUT: u32 = 1 << 5;
pub(crate) const LISTED: u32 = 1 << 6;
pub(crate) const NAMED: u32 = 1 << 7;
pub(crate) const REF_ONE: u32 = 1 << 8;
pub(crate) const REF_SHIFT: u32 = 8;

/// Runs `then` when dropped, also while a panic unwinds past it. The
/// executor drops futures and outputs, whose `Drop` is the user's and may
/// panic (on the host; the kernel aborts on a panic): the bookkeeping after
/// such a drop goes in `then`, so a panicking destructor leaves no task half
/// finished.
pub(crate) struct Finally<F: FnOnce()> {
    then: Option<F>,
}

/// Guards the bookkeeping that must follow a user's destructor (see [`Finally`]).
pub(crate) fn finally<F: FnOnce()>(then: F) -> Finally<F> {
    Finally { then: Some(then) }
}

impl<F: FnOnce()> Drop for Finally<F> {
    fn drop(&mut self) {
        if let Some(then) = self.then.take() {
            then();
        }
    }
}

/// Number of references recorded in a state word.
pub(crate) const fn ref_count(state: u32) -> u32 {
    state >> REF_SHIFT
}

/// Identifies a live task within its executor (its slot in the task table;
/// slots are reused after a task ends, like process ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a task could not be spawned; gives the future back.
pub struct SpawnError<F> {
    /// The future that was not spawned.
    pub future: F,
    /// What went wrong.
    pub reason: SpawnErrorKind,
}

/// What made a spawn fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnErrorKind {
    /// The heap could not hold the task.
    OutOfMemory,
    /// There is no executor to spawn on (`spawn` outside an executor).
    NoExecutor,
}

impl<F> fmt::Debug for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnError").field("reason", &self.reason).finish_non_exhaustive()
    }
}

impl<F> fmt::Display for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            SpawnErrorKind::OutOfMemory => f.write_str("not enough memory to spawn the task"),
            SpawnErrorKind::NoExecutor => f.write_str("no executor is running on this core/thread"),
        }
    }
}
