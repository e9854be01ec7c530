//! Cooperative budget: how I/O futures keep a busy task from starving others.
//!
//! A task only gives up the CPU when a future it awaits returns `Pending`. A
//! driver whose hardware is always ready (a UART whose FIFO never fills, data
//! that is always already there) would then let one task run forever. So
//! every poll of a task starts with a budget of [`BUDGET`] operations; driver
//! futures call [`poll_proceed`] before doing an operation, and once the
//! budget is spent they wake their own task and return `Pending` — it goes to
//! the back of the run queue and everyone else gets a turn. The executor
//! refills the budget when a poll begins (`PollRecord::begin` in
//! `poll_context`); outside an executor's loop there is no limit.

use crate::poll_context as slot;
use core::task::{Context, Poll};

/// Operations a task may do per poll before it must yield.
pub const BUDGET: u32 = crate::poll_context::BUDGET;

/// Spends one unit of the current task's budget: `Ready` to go ahead, or
/// `Pending` (with the task already woken) when the budget is spent.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match slot::budget() {
        0 => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        n => {
            slot::set_budget(n - 1);
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
    let remaining = slot::budget();
    if remaining < cost {
        slot::set_budget(0);
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    slot::set_budget(remaining - cost);
    Poll::Ready(())
}

/// What is left of the current task's budget.
pub fn remaining() -> u32 {
    slot::budget()
}
