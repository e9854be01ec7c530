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
    /// Which [`Wait`] registered `waker` (0: none, or a bare `poll_wait`):
    /// that one takes it back out if it is dropped still waiting.
    registrant: u64,
    /// The last number given to a `Wait` (numbered from 1 when it first waits).
    last_number: u64,
}

impl<T> State<T> {
    const EMPTY: Self = Self { value: None, waker: None, registrant: 0, last_number: 0 };
}

impl<T> Signal<T> {
    /// An empty signal. `const`, so it can be a `static` (except under `loom`,
    /// whose locks are not `const`).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self { state: Lock::new(State::EMPTY) }
    }

    /// An empty signal.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { state: Lock::new(State::EMPTY) }
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
        Wait { signal: self, number: 0 }
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
    /// documentation about a second waiter). A waker registered here stays
    /// until a value comes or another waiter replaces it; [`wait`](Self::wait)'s
    /// future also takes it back out when dropped still waiting.
    pub fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<T> {
        self.poll_wait_as(cx, None)
    }

    /// [`poll_wait`](Self::poll_wait) for a [`Wait`] (`number`, 0 until it
    /// first registers), or for a bare call (`None`).
    fn poll_wait_as(&self, cx: &mut Context<'_>, number: Option<&mut u64>) -> Poll<T> {
        let waker = cx.waker();
        let (value, displaced) = self.state.with(|s| {
            if let Some(value) = s.value.take() {
                // Done waiting: forget our waker so a later waiter does not
                // wake this task for nothing (dropped outside the lock).
                let ours = s.waker.take_if(|w| crate::task::will_wake(w, waker));
                if ours.is_some() {
                    s.registrant = 0;
                }
                return (Some(value), ours.map(Displaced::Drop));
            }
            s.registrant = match number {
                Some(number) => {
                    if *number == 0 {
                        s.last_number += 1;
                        *number = s.last_number;
                    }
                    *number
                }
                None => 0,
            };
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
/// when the future completes, and dropped while waiting it takes its waker
/// back out of the signal (nothing is woken or kept alive for it).
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a, T> {
    signal: &'a Signal<T>,
    /// This wait's number once it has registered a waker (0 before).
    number: u64,
}

impl<T> Future for Wait<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        this.signal.poll_wait_as(cx, Some(&mut this.number))
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        if self.number == 0 {
            return;
        }
        let ours = self.signal.state.with(|s| {
            if s.registrant != self.number {
                // Done, or another waiter registered since.
                return None;
            }
            s.registrant = 0;
            s.waker.take()
        });
        drop(ours); // outside the lock
    }
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").finish_non_exhaustive()
    }
}
