//! [`Notify`]: wake one waiting task, or all of them, without data.

use super::waiters::{WaiterId, Waiters, WakeBatch};
use crate::lock::Lock;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Wakes tasks without passing data: the building block for "something
/// changed, go and look".
///
/// * [`notify_one`](Notify::notify_one) wakes the task that has waited
///   longest; if none waits, it stores a single permit that the next
///   [`notified`](Notify::notified) consumes immediately. Permits do not
///   accumulate: many `notify_one` calls with nobody waiting store one.
/// * [`notify_waiters`](Notify::notify_waiters) wakes every task waiting now
///   (including [`Notified`] futures created before the call but not yet
///   polled) and stores no permit.
///
/// Both are non-blocking and allocation-free, so interrupt handlers may call
/// them. Waiters are served in FIFO order. A [`Notified`] future dropped after
/// `notify_one` chose it but before it completed passes the notification on
/// (to the next waiter, or as the stored permit), so none is lost.
///
/// ```ignore
/// static DATA_READY: Notify = Notify::new();
/// // interrupt handler:      DATA_READY.notify_one();
/// // task:                   loop { DATA_READY.notified().await; drain(); }
/// ```
pub struct Notify {
    state: Lock<State>,
}

/// How a waiter was notified.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// By `notify_one`: must be passed on if the waiter is dropped.
    One,
    /// By `notify_waiters`.
    All,
}

struct State {
    /// A stored `notify_one` nobody was waiting for.
    permit: bool,
    /// Counts `notify_waiters` calls, so a `Notified` created before one
    /// completes even though it was not registered yet.
    epoch: usize,
    waiters: Waiters<Kind>,
}

impl State {
    const fn new() -> Self {
        Self { permit: false, epoch: 0, waiters: Waiters::new() }
    }

    /// Hands one notification to the oldest waiter (returning its waker) or
    /// stores the permit.
    fn notify_one(&mut self) -> Option<Waker> {
        match self.waiters.notify_one() {
            Some((kind, waker)) => {
                *kind = Kind::One;
                Some(waker)
            }
            None => {
                self.permit = true;
                None
            }
        }
    }
}

impl Notify {
    /// A `Notify` with no permit and no waiters. `const`, so it can be a
    /// `static` (except under `loom`, whose locks are not `const`).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self { state: Lock::new(State::new()) }
    }

    /// A `Notify` with no permit and no waiters.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { state: Lock::new(State::new()) }
    }

    /// Wakes the task that has waited longest, or, if none waits, stores a
    /// permit (at most one) for the next [`notified`](Notify::notified).
    /// Interrupt-safe.
    pub fn notify_one(&self) {
        if let Some(waker) = self.state.with(State::notify_one) {
            waker.wake();
        }
    }

    /// Wakes every task waiting now, and every [`Notified`] future created
    /// before this call; stores no permit. Interrupt-safe (wakes in batches,
    /// taking the lock once per batch).
    pub fn notify_waiters(&self) {
        let mut batch = WakeBatch::new();
        let (mark, mut more) = self.state.with(|s| {
            s.epoch = s.epoch.wrapping_add(1);
            let mark = s.waiters.mark();
            (mark, s.waiters.notify_before(mark, &mut batch, |k| *k = Kind::All))
        });
        batch.wake_all();
        while more {
            more =
                self.state.with(|s| s.waiters.notify_before(mark, &mut batch, |k| *k = Kind::All));
            batch.wake_all();
        }
    }

    /// A future that completes at the next notification: a stored permit
    /// (consumed), a `notify_one` that picks it, or a `notify_waiters` called
    /// after this future was created. It joins the FIFO queue when first
    /// polled.
    pub fn notified(&self) -> Notified<'_> {
        let epoch = self.state.with(|s| s.epoch);
        Notified { notify: self, epoch, waiter: None, done: false }
    }
}

impl Default for Notify {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (permit, waiters) = self.state.with(|s| (s.permit, s.waiters.len()));
        f.debug_struct("Notify").field("permit", &permit).field("waiters", &waiters).finish()
    }
}

/// Future returned by [`Notify::notified`]. Dropping it while waiting removes
/// it from the queue; dropping it after `notify_one` chose it passes the
/// notification on.
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// `notify_waiters` count when created.
    epoch: usize,
    waiter: Option<WaiterId>,
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        let waker = cx.waker();
        let (ready, replaced) = this.notify.state.with(|s| match &this.waiter {
            None => {
                if s.epoch != this.epoch {
                    (true, None)
                } else if s.permit {
                    s.permit = false;
                    (true, None)
                } else {
                    this.waiter = Some(s.waiters.register(waker, Kind::One));
                    (false, None)
                }
            }
            Some(_) => s.waiters.poll_registered(&mut this.waiter, waker),
        });
        drop(replaced);
        if ready {
            this.done = true;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        let (waker, next) = self.notify.state.with(|s| {
            let removed = s.waiters.remove(id);
            let next = if removed.notified && removed.data == Kind::One {
                // Chosen by notify_one but never completed: pass it on.
                s.notify_one()
            } else {
                None
            };
            (removed.waker, next)
        });
        drop(waker);
        if let Some(next) = next {
            next.wake();
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("registered", &self.waiter.is_some())
            .field("done", &self.done)
            .finish()
    }
}
