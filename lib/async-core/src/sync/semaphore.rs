//! [`Semaphore`]: a counting semaphore with FIFO-fair waiters, and the
//! [`SemaphorePermit`] guard that gives permits back when dropped.

use super::waiters::{WaiterId, Waiters, WakeBatch};
use crate::lock::Lock;
use core::fmt;
use core::future::Future;
use core::mem;
use core::pin::Pin;
use core::task::{Context, Poll};

/// A counting semaphore: tasks [`acquire`](Semaphore::acquire) permits and
/// give them back by dropping the [`SemaphorePermit`].
///
/// **Strictly FIFO.** Waiters are served in arrival order, each only once
/// all the permits it asked for are available. A large request at the head of
/// the queue therefore blocks later, smaller ones even if enough permits for
/// them are free: nobody can starve a big request by slipping in ahead of it
/// (nor can [`try_acquire`](Semaphore::try_acquire), which fails while anyone
/// waits). The price is that a request for more permits than will ever be
/// available blocks everyone queued behind it until it is dropped.
///
/// Permits are handed to a waiter when they become available (so a woken
/// waiter already owns them); a waiter dropped before it completes gives them
/// back (and a dropped head waiter lets the next ones through).
///
/// [`add_permits`](Semaphore::add_permits) and
/// [`try_acquire`](Semaphore::try_acquire) never block or allocate:
/// interrupt handlers may use them (and drop permits).
pub struct Semaphore {
    state: Lock<State>,
}

struct State {
    /// Permits not held by anyone (nor handed to a notified waiter).
    available: usize,
    /// Waiters, each with the number of permits it wants.
    waiters: Waiters<usize>,
}

impl State {
    /// Hands permits to waiters at the head of the queue while the head's
    /// request can be met, until `batch` is full. Returns whether more can be
    /// served (call again after waking the batch).
    fn grant(&mut self, batch: &mut WakeBatch) -> bool {
        while let Some(&wanted) = self.waiters.head() {
            if wanted > self.available {
                return false;
            }
            if batch.is_full() {
                return true;
            }
            self.available -= wanted;
            let Some((_, waker)) = self.waiters.notify_one() else { unreachable!() };
            batch.push(waker);
        }
        false
    }

    fn release(&mut self, permits: usize, batch: &mut WakeBatch) -> bool {
        self.available =
            self.available.checked_add(permits).expect("Semaphore permit count overflowed usize");
        self.grant(batch)
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits. `const`, so it can be a `static`
    /// (except under `loom`, whose locks are not `const`).
    #[cfg(not(loom))]
    pub const fn new(permits: usize) -> Self {
        Self { state: Lock::new(State { available: permits, waiters: Waiters::new() }) }
    }

    /// A semaphore with `permits` permits.
    #[cfg(loom)]
    pub fn new(permits: usize) -> Self {
        Self { state: Lock::new(State { available: permits, waiters: Waiters::new() }) }
    }

    /// Waits until `n` permits can be taken (FIFO: after every earlier
    /// waiter), then takes them. `acquire(0)` completes immediately.
    pub fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire { semaphore: self, permits: n, waiter: None, done: false }
    }

    /// Takes `n` permits if they are available and nobody is waiting.
    /// Interrupt-safe.
    pub fn try_acquire(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        let taken = n == 0
            || self.state.with(|s| {
                let ok = s.waiters.is_empty() && s.available >= n;
                if ok {
                    s.available -= n;
                }
                ok
            });
        // Lazily: a permit built and dropped on failure would add permits.
        taken.then(|| SemaphorePermit { semaphore: self, permits: n })
    }

    /// Adds `n` permits, waking the waiters that can now be served.
    /// Interrupt-safe. Panics if the count would overflow `usize`.
    pub fn add_permits(&self, n: usize) {
        let mut batch = WakeBatch::new();
        let more = self.state.with(|s| s.release(n, &mut batch));
        self.finish_grant(batch, more);
    }

    /// Permits available now (a snapshot).
    pub fn available_permits(&self) -> usize {
        self.state.with(|s| s.available)
    }

    /// Serves the waiters that the first batch (collected by the caller
    /// under the lock) left over.
    fn finish_grant(&self, mut batch: WakeBatch, mut more: bool) {
        batch.wake_all();
        while more {
            more = self.state.with(|s| s.grant(&mut batch));
            batch.wake_all();
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (available, waiters) = self.state.with(|s| (s.available, s.waiters.len()));
        f.debug_struct("Semaphore")
            .field("available", &available)
            .field("waiters", &waiters)
            .finish()
    }
}

/// Future returned by [`Semaphore::acquire`]. Dropping it while queued
/// removes it (letting later waiters through if it was blocking them);
/// dropping it after permits were handed to it gives them back.
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
    waiter: Option<WaiterId>,
    done: bool,
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = self.get_mut();
        assert!(!this.done, "`Acquire` polled after it completed");
        let n = this.permits;
        let waker = cx.waker();
        let ready = if n == 0 {
            true
        } else {
            let (ready, stale) = this.semaphore.state.with(|s| match &this.waiter {
                None => {
                    if s.waiters.is_empty() && s.available >= n {
                        s.available -= n;
                        (true, None)
                    } else {
                        this.waiter = Some(s.waiters.register(waker, n));
                        (false, None)
                    }
                }
                // Handed permits were deducted when they were handed over.
                Some(_) => s.waiters.poll_registered(&mut this.waiter, waker),
            });
            drop(stale);
            ready
        };
        if ready {
            this.done = true;
            Poll::Ready(SemaphorePermit { semaphore: this.semaphore, permits: n })
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        let permits = self.permits;
        let mut batch = WakeBatch::new();
        let (waker, more) = self.semaphore.state.with(|s| {
            let removed = s.waiters.remove(id);
            // Give back permits handed to us, if any, and let the queue move
            // on: we may have been the head blocking smaller requests.
            let returned = if removed.notified { permits } else { 0 };
            (removed.waker, s.release(returned, &mut batch))
        });
        drop(waker);
        self.semaphore.finish_grant(batch, more);
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.permits)
            .field("queued", &self.waiter.is_some())
            .finish()
    }
}

/// Permits taken from a [`Semaphore`]; dropping it gives them back (waking
/// waiters that can now proceed).
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Drops the permit without giving its permits back: the semaphore's
    /// total shrinks by that many.
    pub fn forget(self) {
        mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.add_permits(self.permits);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").field("permits", &self.permits).finish()
    }
}
