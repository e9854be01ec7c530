//! Synchronisation primitives for tasks (portable; usable on the kernel and
//! the host). Interrupt handlers may use the non-blocking operations marked
//! so in each type's documentation (e.g. `Sender::try_send`, `Signal::signal`).
//!
//! For joining and selecting over futures, use `futures-util`
//! (`future::join`, `join_all`, `select`, `select_all`, `FuturesUnordered`):
//! they run unchanged on this executor (see the tests).
//!
//! What is here:
//!
//! * [`channel()`](channel()) — a bounded MPSC channel ([`channel::Sender`],
//!   [`channel::Receiver`]) with a ring buffer allocated once; senders wait
//!   for space in FIFO order; `try_send` is interrupt-safe.
//! * [`oneshot`] — one value from one sender to one receiver (the receiver
//!   is a future); `send` is interrupt-safe.
//! * [`Notify`] — wake one waiter (or store one permit) or all waiters.
//! * [`Signal`] — the latest value, overwriting, for one waiting task.
//! * [`Semaphore`] — counting semaphore, strictly FIFO.
//! * [`Mutex`] — async mutex on a one-permit semaphore, FIFO-fair.
//!
//! All of them keep their state behind the crate's short internal lock (an
//! IRQ-masking critical section on the kernel), never wake a task while
//! holding it, and never allocate per operation (a waiter queue grows once
//! to the largest number of simultaneous waiters and is reused).
//!
//! **Cancellation.** Every future here may be dropped at any time. A waiter
//! dropped while queued leaves the queue; one dropped after it was handed
//! something it had not yet used — a `notify_one` wake-up, semaphore
//! permits, the mutex, a reserved channel slot — passes it on to the next
//! waiter, so nobody is stranded and nothing is lost.

pub mod channel;
#[cfg(all(test, loom))]
mod loom_tests;
mod mutex;
mod notify;
pub mod oneshot;
mod semaphore;
mod signal;
pub(crate) mod waiters;

pub use channel::channel;
pub use mutex::{Mutex, MutexGuard};
pub use notify::{Notified, Notify};
pub use semaphore::{Acquire, Semaphore, SemaphorePermit};
pub use signal::{Signal, Wait};
