//! A bounded multi-producer, single-consumer channel: [`channel`] makes
//! cloneable [`Sender`]s and one [`Receiver`] sharing a fixed-size buffer.
//!
//! ```ignore
//! let (tx, mut rx) = channel::<Event>(16);
//! // interrupt handler:  if tx.try_send(event).is_err() { dropped += 1; }
//! // task:               while let Some(event) = rx.recv().await { handle(event); }
//! ```
//!
//! How it works: one short lock (the crate's internal IRQ-masking lock)
//! guards a ring buffer allocated once at creation, the receiver's waker and
//! a FIFO queue of senders waiting for space. When the receiver frees a slot
//! and senders are waiting, the slot is *reserved* for the oldest one and it
//! is woken; no newcomer (nor `try_send`) can take it, which makes senders
//! FIFO-fair. A woken sender that is dropped before it used its slot hands
//! the reservation to the next waiting sender (or frees it). Sending to a
//! waiting receiver and receiving with data present each take the lock once
//! and never allocate.

use super::waiters::{WaiterId, Waiters, WakeBatch};
use crate::lock::Lock;
use crate::loom::Arc;
use alloc::collections::VecDeque;
use core::fmt;
use core::future::Future;
use core::mem;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use futures_util::stream::{FusedStream, Stream};

/// Creates a bounded channel holding up to `capacity` messages (allocated
/// now, once). Panics if `capacity` is 0.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "channel capacity must be at least 1 (got 0)");
    let chan = Arc::new(Chan {
        capacity,
        state: Lock::new(State {
            buffer: VecDeque::with_capacity(capacity),
            reserved: 0,
            senders: 1,
            closed: false,
            rx_waker: None,
            send_waiters: Waiters::new(),
        }),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

struct Chan<T> {
    capacity: usize,
    state: Lock<State<T>>,
}

struct State<T> {
    /// Messages sent and not received; never holds more than `capacity`, so
    /// it never reallocates.
    buffer: VecDeque<T>,
    /// Free slots promised to notified (woken) senders.
    /// Invariant: if senders wait, `buffer.len() + reserved == capacity`.
    reserved: usize,
    /// Live `Sender`s.
    senders: usize,
    /// The receiver was dropped or closed: no more sends.
    closed: bool,
    rx_waker: Option<Waker>,
    send_waiters: Waiters<()>,
}

impl<T> State<T> {
    /// Whether a new message fits without taking a reserved slot.
    fn has_room(&self, capacity: usize) -> bool {
        self.buffer.len() + self.reserved < capacity
    }

    /// Queues `value` (room checked by the caller); returns the receiver's
    /// waker to wake after the lock.
    fn push(&mut self, value: T) -> Option<Waker> {
        self.buffer.push_back(value);
        self.rx_waker.take()
    }

    /// A slot became free: reserve it for the oldest waiting sender, if any,
    /// and return that sender's waker.
    fn slot_freed(&mut self) -> Option<Waker> {
        if self.closed {
            return None;
        }
        let (_, waker) = self.send_waiters.notify_one()?;
        self.reserved += 1;
        Some(waker)
    }

    /// Takes the oldest message; hands its slot to a waiting sender.
    fn pop(&mut self) -> Option<(T, Option<Waker>)> {
        let value = self.buffer.pop_front()?;
        Some((value, self.slot_freed()))
    }

    fn rx_closed(&self) -> bool {
        self.closed || self.senders == 0
    }
}

impl<T> Chan<T> {
    /// Marks the channel closed and wakes every waiting sender (they fail).
    fn close(&self) {
        let mut batch = WakeBatch::new();
        let mut more = self.state.with(|s| {
            s.closed = true;
            s.send_waiters.notify_before(u64::MAX, &mut batch, |_| {})
        });
        batch.wake_all();
        while more {
            more = self.state.with(|s| s.send_waiters.notify_before(u64::MAX, &mut batch, |_| {}));
            batch.wake_all();
        }
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

// ---- Errors ------------------------------------------------------------

/// The receiver is gone (dropped or closed); the message is given back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The message that could not be sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> core::error::Error for SendError<T> {}

/// Why [`Sender::try_send`] failed; the message is given back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The buffer is full (or its free slots are promised to waiting senders).
    Full(T),
    /// The receiver is gone (dropped or closed).
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that could not be sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(value) | Self::Closed(value) => value,
        }
    }

    /// Whether the channel was full.
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the channel was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("no available capacity"),
            Self::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> core::error::Error for TrySendError<T> {}

/// Why [`Receiver::try_recv`] returned no message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No message now, but senders remain.
    Empty,
    /// No message, and none will come: every sender is gone, or the
    /// receiver closed the channel.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("receiving on an empty channel"),
            Self::Closed => f.write_str("receiving on a closed channel"),
        }
    }
}

impl core::error::Error for TryRecvError {}

// ---- Sender ------------------------------------------------------------

/// Sends messages into the channel. Clone it for more producers; the
/// receiver sees the end of the stream once every clone is dropped.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for space if the buffer is full. Senders that
    /// wait are served in FIFO order. Fails (giving the value back) if the
    /// receiver is dropped or closed, including while waiting.
    ///
    /// Cancel-safe: dropping the future drops the value unsent and, if a
    /// slot had already been promised to it, passes that slot on.
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture { sender: self, value: Some(value), waiter: None }
    }

    /// Sends `value` if there is space now. Never blocks or allocates:
    /// interrupt handlers may call it.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let capacity = self.chan.capacity;
        let waker = self.chan.state.with(|s| {
            if s.closed {
                Err(TrySendError::Closed(value))
            } else if s.has_room(capacity) {
                Ok(s.push(value))
            } else {
                Err(TrySendError::Full(value))
            }
        })?;
        wake(waker);
        Ok(())
    }

    /// Whether the receiver is gone (dropped or closed): sends will fail.
    pub fn is_closed(&self) -> bool {
        self.chan.state.with(|s| s.closed)
    }

    /// The buffer's size (as given to [`channel`]).
    pub fn capacity(&self) -> usize {
        self.chan.capacity
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.state.with(|s| s.senders += 1);
        Self { chan: self.chan.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = self.chan.state.with(|s| {
            s.senders -= 1;
            if s.senders == 0 { s.rx_waker.take() } else { None }
        });
        wake(waker);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("capacity", &self.chan.capacity).finish_non_exhaustive()
    }
}

/// Future returned by [`Sender::send`].
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T> {
    sender: &'a Sender<T>,
    /// The message, until it is sent or given back.
    value: Option<T>,
    /// Our place in the queue of waiting senders.
    waiter: Option<WaiterId>,
}

// The message is moved, never pinned.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let value = this.value.take().expect("`SendFuture` polled after it completed");
        let chan = &this.sender.chan;
        let waker = cx.waker();
        let outcome = chan.state.with(|s| {
            let stale = match &this.waiter {
                None if s.closed => return Outcome::Closed(value, None),
                None if s.has_room(chan.capacity) => return Outcome::Sent(s.push(value)),
                None => {
                    this.waiter = Some(s.send_waiters.register(waker, ()));
                    None
                }
                Some(id) if s.send_waiters.is_notified(id) => {
                    let removed = s.send_waiters.remove(this.waiter.take().unwrap());
                    if s.closed {
                        // Woken by the close (or reserved before it): the
                        // reservation no longer matters.
                        return Outcome::Closed(value, removed.waker);
                    }
                    // The slot reserved for us.
                    s.reserved -= 1;
                    return Outcome::Sent(s.push(value));
                }
                Some(id) => s.send_waiters.update_waker(id, waker),
            };
            Outcome::Waiting(value, stale)
        });
        match outcome {
            Outcome::Sent(rx) => {
                wake(rx);
                Poll::Ready(Ok(()))
            }
            Outcome::Closed(value, stale) => {
                drop(stale);
                Poll::Ready(Err(SendError(value)))
            }
            Outcome::Waiting(value, stale) => {
                drop(stale);
                this.value = Some(value);
                Poll::Pending
            }
        }
    }
}

/// What a `SendFuture` poll did under the lock.
enum Outcome<T> {
    /// Queued; the receiver's waker to wake.
    Sent(Option<Waker>),
    /// The channel is closed; the value and a waker to drop.
    Closed(T, Option<Waker>),
    /// Still waiting; the value and a replaced waker to drop.
    Waiting(T, Option<Waker>),
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        let (stale, next) = self.sender.chan.state.with(|s| {
            let removed = s.send_waiters.remove(id);
            let mut next = None;
            if removed.notified && !s.closed {
                // A slot was reserved for us: pass it to the next waiting
                // sender, or release it.
                s.reserved -= 1;
                next = s.slot_freed();
            }
            (removed.waker, next)
        });
        drop(stale);
        wake(next);
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture").field("queued", &self.waiter.is_some()).finish_non_exhaustive()
    }
}

// ---- Receiver ----------------------------------------------------------

/// Receives the channel's messages, in the order they were sent. Also a
/// [`Stream`] of them.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Waits for the next message; `None` once every sender is gone (or the
    /// channel was closed) and the buffer is empty. Cancel-safe: a message is
    /// only taken when the future completes.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { receiver: self }
    }

    /// Polls for the next message (the [`recv`](Receiver::recv) future's
    /// poll). Registers `cx`'s waker when it returns `Pending`.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let waker = cx.waker();
        let (result, wake_sender, stale) = self.chan.state.with(|s| {
            if let Some((value, sender)) = s.pop() {
                return (Poll::Ready(Some(value)), sender, None);
            }
            if s.rx_closed() {
                return (Poll::Ready(None), None, None);
            }
            let stale = match &mut s.rx_waker {
                Some(current) if crate::task::will_wake(current, waker) => None,
                slot => slot.replace(waker.clone()),
            };
            (Poll::Pending, None, stale)
        });
        drop(stale);
        wake(wake_sender);
        result
    }

    /// Takes the next message if there is one, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let result = self.chan.state.with(|s| match s.pop() {
            Some((value, sender)) => Ok((value, sender)),
            None if s.rx_closed() => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        });
        let (value, sender) = result?;
        wake(sender);
        Ok(value)
    }

    /// Closes the channel: sends fail from now on (waiting senders are woken
    /// and fail too), while messages already buffered can still be received.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Messages buffered now.
    pub fn len(&self) -> usize {
        self.chan.state.with(|s| s.buffer.len())
    }

    /// Whether no message is buffered now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer's size (as given to [`channel`]).
    pub fn capacity(&self) -> usize {
        self.chan.capacity
    }

    /// Whether no more messages can arrive: the channel was closed or every
    /// sender is gone (buffered messages may remain).
    pub fn is_closed(&self) -> bool {
        self.chan.state.with(|s| s.rx_closed())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.close();
        // Nothing can be sent any more: take the messages out and drop them
        // (and our waker) outside the lock.
        let (buffer, waker) =
            self.chan.state.with(|s| (mem::take(&mut s.buffer), s.rx_waker.take()));
        drop(buffer);
        drop(waker);
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.chan.state.with(|s| s.rx_closed() && s.buffer.is_empty())
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("capacity", &self.chan.capacity).finish_non_exhaustive()
    }
}

/// Future returned by [`Receiver::recv`].
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
