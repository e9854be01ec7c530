//! [`Sleep`]: a future that completes at a deadline.

use super::{Instant, TimerHandle};
use crate::context;
use crate::executor::Shared;
use crate::loom::Arc;
use crate::loom::atomic::Ordering;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

/// Waits until `duration` has passed (measured from now).
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, registration: None }
}

/// Wakes `waker` once the clock reaches `deadline`, without a future to own
/// the timer (for foreign timer APIs such as embassy-time's driver interface).
/// Each call adds a timer; it is gone once it fires. Outside an executor,
/// or if the timer queue cannot grow, the waker is woken at once (the caller
/// re-checks its deadline and asks again: correct, only busier).
pub fn wake_at(deadline: Instant, waker: &core::task::Waker) {
    if Instant::now() >= deadline {
        waker.wake_by_ref();
        return;
    }
    let Some(executor) = context::current() else {
        waker.wake_by_ref();
        return;
    };
    let ticks = deadline.ticks();
    let registered = executor.timers.with(|t| {
        let ok = t.insert(ticks, waker).is_ok();
        if ok && ticks < executor.next_deadline.load(Ordering::Acquire) {
            executor.next_deadline.store(ticks, Ordering::Release);
        }
        ok
    });
    if !registered {
        waker.wake_by_ref();
    }
}

/// A future that completes once the clock reaches its deadline — never
/// earlier. Dropping it before then removes its timer (no stale wake-up, no
/// leak). It must be polled inside an executor (it registers with the
/// executor's timer queue).
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
    registration: Option<Registration>,
}

struct Registration {
    executor: Arc<Shared>,
    handle: TimerHandle,
}

impl Sleep {
    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (re-arming a completed sleep).
    pub fn reset(&mut self, deadline: Instant) {
        self.deregister();
        self.deadline = deadline;
    }

    /// Forgets the timer: nothing to do if it fired (the executor freed it
    /// then), else it is taken out of the queue. Inlined: it runs on the
    /// path from a timer's interrupt to its task.
    #[inline(always)]
    fn deregister(&mut self) {
        if let Some(r) = self.registration.take() {
            if self.deadline.ticks() <= r.executor.fired_through.load(Ordering::Acquire) {
                // Fired, and its slot freed with it: nothing to remove.
                return;
            }
            r.remove_pending();
        }
    }
}

impl Registration {
    /// Removes a timer that may not have fired yet.
    #[inline(never)]
    fn remove_pending(self) {
        let waker = self.executor.timers.with(|t| {
            let waker = t.remove(self.handle);
            self.executor
                .next_deadline
                .store(t.next_deadline().unwrap_or(u64::MAX), Ordering::Release);
            waker
        });
        drop(waker); // outside the lock
    }
}

impl Future for Sleep {
    type Output = ();

    /// Inlined: the deadline check and the wake-up path are a few
    /// instructions of the path from a timer's interrupt to its task;
    /// registering is not.
    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.deregister();
            return Poll::Ready(());
        }
        self.register(cx);
        Poll::Pending
    }
}

impl Sleep {
    /// The deadline is ahead: registers the timer, or updates the waker of
    /// the one registered.
    #[inline(never)]
    fn register(mut self: Pin<&mut Self>, cx: &mut Context<'_>) {
        let deadline = self.deadline.ticks();
        match &self.registration {
            Some(r) => {
                let (fired, replaced) = r.executor.timers.with(|t| {
                    if t.has_fired(r.handle) {
                        (true, None)
                    } else {
                        (false, t.update_waker(r.handle, cx.waker()))
                    }
                });
                drop(replaced); // outside the lock
                if fired {
                    // Fired but the deadline is still ahead (the clock changed
                    // under us): register again.
                    self.deregister();
                    self.register(cx);
                }
            }
            None => {
                let executor = context::current()
                    .expect("sleep polled outside an executor (no timer queue to register with)");
                let handle = executor.timers.with(|t| {
                    let handle = t.insert(deadline, cx.waker()).ok()?;
                    if deadline < executor.next_deadline.load(Ordering::Acquire) {
                        executor.next_deadline.store(deadline, Ordering::Release);
                    }
                    Some(handle)
                });
                match handle {
                    Some(handle) => self.registration = Some(Registration { executor, handle }),
                    None => {
                        // Out of memory for the timer queue: degrade to polling
                        // (stay correct, just busier) instead of failing.
                        cx.waker().wake_by_ref();
                    }
                }
            }
        }
    }
}

impl Drop for Sleep {
    /// Only a registration needs work; a completed sleep (the wake-up
    /// path) has none, and its drop is one test.
    #[inline(always)]
    fn drop(&mut self) {
        if self.registration.is_some() {
            self.drop_registration();
        }
    }
}

impl Sleep {
    #[inline(never)]
    fn drop_registration(&mut self) {
        self.deregister();
    }
}

impl core::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.registration.is_some())
            .finish()
    }
}
