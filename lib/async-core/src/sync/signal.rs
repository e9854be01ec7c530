//! [`Signal`]: a single-slot "latest value" mailbox with one waiting task.

use crate::lock::Lock;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Holds the latest value sent with [`signal`](Signal::signal) until a task
/// takes it with [`wait`](Signal::wait) or [`try_take`](Signal::try_take).
/// A new value overwrites one not taken yet (the old one is dropped), so a
/// slow consumer sees the most recent state, never a backlog.
///
/// `signal` is non-blocking and allocation-free: interrupt handlers may call
/// it (the dropped previous value's destructor then runs in the handler too).
///
/// There is **one** waiter slot. If a second task waits while the first is
/// still waiting, the second's waker replaces the first's, and the first is
/// woken so it is not stranded; it then re-registers, displacing the second
/// in turn, so two concurrent waiters keep waking each other until a value
/// arrives. Use [`Notify`](super::Notify) or a channel for several consumers.
///
/// ```ignore
/// static LINK_STATE: Signal<LinkState> = Signal::new();
/// // interrupt handler:   LINK_STATE.signal(read_link_state());
/// // task:                loop { let state = LINK_STATE.wait().await; /* ... */ }
/// ```
pub struct Signal<T> {
    state: Lock<State<T>>,
}

struct State<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

impl<T> Signal<T> {
    /// An empty signal. `const`, so it can be a `static` (except under `loom`,
    /// whose locks are not `const`).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self { state: Lock::new(State { value: None, waker: None }) }
    }

    /// An empty signal.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { state: Lock::new(State { value: None, waker: None }) }
    }

    /// Stores `value`, replacing (and dropping) any value not yet taken, and
    /// wakes the waiting task. Interrupt-safe.
    pub fn signal(&self, value: T) {
        let (old, waker) = self.state.with(|s| (s.value.replace(value), s.waker.take()));
        drop(old);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Waits for a value and takes it (immediately if one is stored).
    pub fn wait(&self) -> Wait<'_, T> {
        Wait { signal: self }
    }

    /// Takes the stored value, if any, without waiting.
    pub fn try_take(&self) -> Option<T> {
        self.state.with(|s| s.value.take())
    }

    /// Drops the stored value, if any. A waiting task keeps waiting.
    pub fn reset(&self) {
        drop(self.try_take());
    }

    /// Whether a value is stored.
    pub fn signaled(&self) -> bool {
        self.state.with(|s| s.value.is_some())
    }

    /// Takes the value, or registers `cx`'s waker (see the type's
    /// documentation about a second waiter).
    pub fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<T> {
        let waker = cx.waker();
        let (value, displaced) = self.state.with(|s| {
            if let Some(value) = s.value.take() {
                // Done waiting: forget our waker so a later waiter does not
                // wake this task for nothing (dropped outside the lock).
                let ours = s.waker.take_if(|w| crate::task::will_wake(w, waker));
                return (Some(value), ours.map(Displaced::Drop));
            }
            match &mut s.waker {
                Some(current) if crate::task::will_wake(current, waker) => (None, None),
                slot => (None, slot.replace(waker.clone()).map(Displaced::Wake)),
            }
        });
        match displaced {
            // Another waiter (or this one under a different waker): wake it
            // so it is not stranded; if it is a live waiter it re-registers.
            Some(Displaced::Wake(other)) => other.wake(),
            Some(Displaced::Drop(ours)) => drop(ours),
            None => {}
        }
        match value {
            Some(value) => Poll::Ready(value),
            None => Poll::Pending,
        }
    }
}

/// A waker taken out of the slot under the lock, handled after it.
enum Displaced {
    Wake(Waker),
    Drop(Waker),
}

impl<T> Default for Signal<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Signal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("signaled", &self.signaled()).finish()
    }
}

/// Future returned by [`Signal::wait`]. Cancel-safe: the value is only taken
/// when the future completes.
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a, T> {
    signal: &'a Signal<T>,
}

impl<T> Future for Wait<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.signal.poll_wait(cx)
    }
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").finish_non_exhaustive()
    }
}
