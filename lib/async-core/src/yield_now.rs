//! [`yield_now`]: give other ready tasks a turn.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Lets every other ready task run once before this one continues: wakes
/// itself (going to the back of the run queue) and returns `Pending` once.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// Future returned by [`yield_now`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // The commonest case, the task yielding to the others: recorded
        // inline, without the call through its waker.
        if !crate::poll_context::wake_self(cx.waker()) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}
