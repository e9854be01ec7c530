//! Cooperative budget: how I/O futures keep a busy task from starving others.
//!
//! A task only gives up the CPU when a future it awaits returns `Pending`. A
//! driver whose hardware is always ready (a UART whose FIFO never fills, data
//! that is always already there) would then let one task run forever. So
//! every poll of a task starts with a budget of [`BUDGET`] operations; driver
//! futures call [`poll_proceed`] before doing an operation, and once the
//! budget is spent they wake their own task and return `Pending` — it goes to
//! the back of the run queue and everyone else gets a turn.

use core::task::{Context, Poll};

/// Operations a task may do per poll before it must yield.
pub const BUDGET: u32 = 128;

#[cfg(not(feature = "std"))]
mod slot {
    use core::sync::atomic::{AtomicU32, Ordering};

    // One core runs tasks; the budget belongs to the task it is polling.
    static REMAINING: AtomicU32 = AtomicU32::new(super::BUDGET);

    pub(super) fn get() -> u32 {
        REMAINING.load(Ordering::Relaxed)
    }

    pub(super) fn set(value: u32) {
        REMAINING.store(value, Ordering::Relaxed);
    }
}

#[cfg(feature = "std")]
mod slot {
    use std::cell::Cell;

    std::thread_local! {
        static REMAINING: Cell<u32> = const { Cell::new(super::BUDGET) };
    }

    pub(super) fn get() -> u32 {
        REMAINING.with(Cell::get)
    }

    pub(super) fn set(value: u32) {
        REMAINING.with(|r| r.set(value));
    }
}

/// Refills the budget: the executor calls this before each poll.
#[inline]
pub(crate) fn reset() {
    slot::set(BUDGET);
}

/// Spends one unit of the current task's budget: `Ready` to go ahead, or
/// `Pending` (with the task already woken) when the budget is spent.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match slot::get() {
        0 => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        n => {
            slot::set(n - 1);
            Poll::Ready(())
        }
    }
}

/// Spends `cost` units (for operations that move a lot of data at once);
/// `Pending` (with the task woken) if fewer remain. A cost above [`BUDGET`]
/// is charged as the whole budget, so the operation can still go ahead on a
/// fresh turn.
#[inline]
pub fn poll_proceed_cost(cx: &mut Context<'_>, cost: u32) -> Poll<()> {
    let cost = cost.clamp(1, BUDGET);
    let remaining = slot::get();
    if remaining < cost {
        slot::set(0);
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    slot::set(remaining - cost);
    Poll::Ready(())
}

/// What is left of the current task's budget.
pub fn remaining() -> u32 {
    slot::get()
}
