//! The reactor: how interrupts reach tasks.
//!
//! An [`IrqEvent`] is the meeting point of one interrupt source and the one
//! task waiting for it. The interrupt handler records what happened and wakes
//! the task with [`IrqEvent::signal`] — an atomic increment and an
//! `AtomicWaker` wake, no lock, no allocation, never a poll. The task awaits
//! [`IrqEvent::wait`], which returns how many events happened since it last
//! looked. Handlers therefore stay short and never run task code.
//!
//! ```ignore
//! static UART_RX: IrqEvent = IrqEvent::new();
//! fn uart_irq(_: IrqLine) { drain_fifo_into_ring(); UART_RX.signal(); }
//! async fn reader() { loop { UART_RX.wait().await; /* read the ring */ } }
//! ```

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};
use futures_util::task::AtomicWaker;

/// One interrupt source's waker slot and event count.
#[derive(Debug, Default)]
pub struct IrqEvent {
    waker: AtomicWaker,
    events: AtomicU32,
}

impl IrqEvent {
    /// A slot with no waiter and no events.
    pub const fn new() -> Self {
        Self { waker: AtomicWaker::new(), events: AtomicU32::new(0) }
    }

    /// Records one event and wakes the waiting task. Callable from interrupt
    /// handlers (lock-free) and from anywhere else.
    pub fn signal(&self) {
        self.events.fetch_add(1, Ordering::Release);
        self.waker.wake();
    }

    /// Takes the events recorded so far (zero if none).
    pub fn take(&self) -> u32 {
        self.events.swap(0, Ordering::Acquire)
    }

    /// Registers `waker` to be woken by the next [`signal`](IrqEvent::signal).
    pub fn register(&self, waker: &Waker) {
        self.waker.register(waker);
    }

    /// Waits for at least one event; returns how many arrived. Only one task
    /// should wait on an event at a time (the slot holds one waker).
    pub fn wait(&self) -> IrqWait<'_> {
        IrqWait { event: self }
    }

    /// Polls for events: `Ready(n)` with the number taken, or `Pending` with
    /// the waker registered.
    pub fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<u32> {
        let n = self.take();
        if n > 0 {
            return Poll::Ready(n);
        }
        self.waker.register(cx.waker());
        // An event between the take and the registration must not be lost.
        match self.take() {
            0 => Poll::Pending,
            n => Poll::Ready(n),
        }
    }
}

/// Future returned by [`IrqEvent::wait`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct IrqWait<'a> {
    event: &'a IrqEvent,
}

impl Future for IrqWait<'_> {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.event.poll_wait(cx)
    }
}
