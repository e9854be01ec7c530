//! Loom models of the synchronisation primitives: a notifier on one thread
//! racing a waiter on another must never lose the wake-up (loom reports a
//! deadlock if it does), and cancellation hand-offs must reach the next
//! waiter. Run with `make loom`.

use super::{Mutex, Notify, Semaphore, Signal, channel, oneshot};
use alloc::boxed::Box;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use futures_util::poll;
use loom::sync::Arc;
use loom::thread;

/// Wakes a loom thread parked in [`block_on`].
struct Unparker(thread::Thread);

impl alloc::task::Wake for Unparker {
    fn wake(self: alloc::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this loom thread, parking between polls (loom's park
/// keeps an unpark token, like std's, so a wake before the park is not lost).
fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(alloc::sync::Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

#[test]
fn loom_notify_one_racing_a_waiter() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        let notifier = thread::spawn(move || n.notify_one());
        block_on(notify.notified());
        notifier.join().unwrap();
    });
}

#[test]
fn loom_notify_waiters_racing_a_created_waiter() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let notified = notify.notified();
        let n = notify.clone();
        let notifier = thread::spawn(move || n.notify_waiters());
        block_on(notified);
        notifier.join().unwrap();
    });
}

#[test]
fn loom_dropped_notified_waiter_hands_off_across_threads() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        let second = thread::spawn(move || block_on(n.notified()));
        block_on(async {
            let mut first = Box::pin(notify.notified());
            if poll!(&mut first).is_pending() {
                notify.notify_one();
                // Whether it picked `first` or the other thread's waiter,
                // dropping `first` must leave exactly one notification in play.
                drop(first);
            }
        });
        second.join().unwrap();
    });
}

#[test]
fn loom_try_send_racing_recv() {
    model(|| {
        let (tx, mut rx) = channel::<u32>(1);
        let sender = thread::spawn(move || {
            tx.try_send(1).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

#[test]
fn loom_blocked_sender_woken_by_recv() {
    model(|| {
        let (tx, mut rx) = channel::<u32>(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || block_on(tx.send(2)).unwrap());
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        sender.join().unwrap();
    });
}

#[test]
fn loom_oneshot_send_racing_receiver() {
    model(|| {
        let (tx, rx) = oneshot::channel::<u32>();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx), Ok(7));
        sender.join().unwrap();
    });
}

#[test]
fn loom_signal_racing_wait() {
    model(|| {
        let signal = Arc::new(Signal::new());
        let s = signal.clone();
        let signaller = thread::spawn(move || s.signal(3));
        assert_eq!(block_on(signal.wait()), 3);
        signaller.join().unwrap();
    });
}

#[test]
fn loom_mutex_two_threads() {
    model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let m = mutex.clone();
        let other = thread::spawn(move || block_on(async { *m.lock().await += 1 }));
        block_on(async { *mutex.lock().await += 1 });
        other.join().unwrap();
        assert_eq!(*mutex.try_lock().unwrap(), 2);
    });
}

#[test]
fn loom_semaphore_release_racing_acquire() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        let releaser = thread::spawn(move || s.add_permits(2));
        block_on(sem.acquire(2)).forget();
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}
