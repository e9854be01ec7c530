//! A oneshot channel: [`channel`] makes a [`Sender`] that sends exactly one
//! value and a [`Receiver`] that is a future of it.
//!
//! ```ignore
//! let (tx, rx) = oneshot::channel();
//! async_core::spawn(async move { tx.send(compute().await).ok(); });
//! let value = rx.await?; // Err(RecvError) if the sender was dropped unsent
//! ```

use crate::lock::Lock;
use crate::loom::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Creates a oneshot channel (one allocation, shared by both halves).
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Lock::new(State {
        value: None,
        sender_alive: true,
        receiver_open: true,
        waker: None,
    }));
    (Sender { inner: Some(inner.clone()) }, Receiver { inner })
}

struct State<T> {
    /// The value sent and not yet received.
    value: Option<T>,
    /// The sender exists and has not sent.
    sender_alive: bool,
    /// The receiver exists and has not been closed.
    receiver_open: bool,
    /// The receiver's waker.
    waker: Option<Waker>,
}

/// The sender was dropped without sending (or the value was already received).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the oneshot sender was dropped without sending")
    }
}

impl core::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] returned no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing was sent yet; the sender still exists.
    Empty,
    /// Nothing will ever arrive: the sender was dropped without sending, or
    /// the value was already received.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no value sent yet"),
            Self::Closed => f.write_str("the oneshot channel is closed"),
        }
    }
}

impl core::error::Error for TryRecvError {}

/// Sends the channel's one value. Dropping it unsent makes the receiver
/// complete with [`RecvError`].
pub struct Sender<T> {
    /// `None` only while `send` consumes the sender.
    inner: Option<Arc<Lock<State<T>>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waking the receiver; gives it back if the receiver was
    /// dropped or closed. Never blocks or allocates: interrupt handlers may
    /// call it.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("oneshot sender used after send");
        let result = inner.with(|s| {
            s.sender_alive = false;
            if !s.receiver_open {
                return Err(value);
            }
            s.value = Some(value);
            Ok(s.waker.take())
        });
        match result {
            Ok(waker) => {
                if let Some(waker) = waker {
                    waker.wake();
                }
                Ok(())
            }
            Err(value) => Err(value),
        }
    }

    /// Whether the receiver was dropped or closed (a send would fail).
    pub fn is_closed(&self) -> bool {
        self.inner.as_ref().is_none_or(|inner| inner.with(|s| !s.receiver_open))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        let waker = inner.with(|s| {
            s.sender_alive = false;
            s.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("closed", &self.is_closed()).finish()
    }
}

/// Receives the channel's value: `.await` it for `Ok(value)`, or
/// `Err(RecvError)` if the sender is dropped without sending. Cancel-safe:
/// dropping it drops a value that was sent and not received.
#[must_use = "futures do nothing unless polled"]
pub struct Receiver<T> {
    inner: Arc<Lock<State<T>>>,
}

impl<T> Receiver<T> {
    /// Takes the value if it has arrived, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.with(|s| match s.value.take() {
            Some(value) => Ok(value),
            None if s.sender_alive && s.receiver_open => Err(TryRecvError::Empty),
            None => Err(TryRecvError::Closed),
        })
    }

    /// Refuses the value from now on: a later [`Sender::send`] fails and
    /// gives it back. A value sent before can still be received.
    pub fn close(&mut self) {
        self.inner.with(|s| s.receiver_open = false);
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let waker = cx.waker();
        let (result, replaced) = self.inner.with(|s| {
            if let Some(value) = s.value.take() {
                return (Poll::Ready(Ok(value)), s.waker.take());
            }
            if !s.sender_alive || !s.receiver_open {
                return (Poll::Ready(Err(RecvError)), s.waker.take());
            }
            match &mut s.waker {
                Some(current) if crate::task::will_wake(current, waker) => (Poll::Pending, None),
                slot => (Poll::Pending, slot.replace(waker.clone())),
            }
        });
        drop(replaced);
        result
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (value, waker) = self.inner.with(|s| {
            s.receiver_open = false;
            (s.value.take(), s.waker.take())
        });
        // Dropped outside the lock: either may run arbitrary code.
        drop(value);
        drop(waker);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
