//! `Notify`: permits, FIFO wake-ups, notify_waiters, cancellation hand-off,
//! a static instance and a notification from another thread.
use async_core::sync::{Notify, channel};
use async_core::time::{Duration, timeout};
use async_core::{Executor, StdPlatform, VirtualTimePlatform, spawn, yield_now};
use futures_util::poll;
use std::future::Future;
use std::sync::Arc;

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

#[test]
fn notify_one_stores_one_permit_when_nobody_waits() {
    run(async {
        let notify = Notify::new();
        notify.notify_one();
        notify.notify_one();
        notify.notify_one();
        // The stored permit completes one `notified` at once...
        notify.notified().await;
        // ...and only one: permits do not accumulate.
        let mut second = Box::pin(notify.notified());
        assert!(poll!(&mut second).is_pending());
        notify.notify_one();
        assert!(poll!(&mut second).is_ready());
    });
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    run(async {
        let notify = Arc::new(Notify::new());
        let (tx, mut rx) = channel::<usize>(8);
        for i in 0..5 {
            let notify = notify.clone();
            let tx = tx.clone();
            spawn(async move {
                notify.notified().await;
                tx.send(i).await.unwrap();
            })
            .detach();
            yield_now().await;
        }
        drop(tx);
        for expected in 0..5 {
            notify.notify_one();
            assert_eq!(rx.recv().await, Some(expected));
        }
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn notify_waiters_wakes_all_and_stores_no_permit() {
    run(async {
        let notify = Arc::new(Notify::new());
        let mut handles = Vec::new();
        // More waiters than one wake batch.
        for _ in 0..40 {
            let notify = notify.clone();
            handles.push(spawn(async move { notify.notified().await }));
        }
        yield_now().await;
        notify.notify_waiters();
        for h in handles {
            h.await.unwrap();
        }
        let mut later = Box::pin(notify.notified());
        assert!(poll!(&mut later).is_pending(), "notify_waiters must not store a permit");
    });
}

#[test]
fn notify_waiters_covers_futures_created_before_it() {
    run(async {
        let notify = Notify::new();
        let created = notify.notified();
        notify.notify_waiters();
        created.await; // not yet polled when notify_waiters ran: still completes
        let after = notify.notified();
        let mut after = Box::pin(after);
        assert!(poll!(&mut after).is_pending());
    });
}

#[test]
fn dropped_notified_waiter_passes_notification_on() {
    run(async {
        let notify = Notify::new();
        let mut first = Box::pin(notify.notified());
        let mut second = Box::pin(notify.notified());
        assert!(poll!(&mut first).is_pending());
        assert!(poll!(&mut second).is_pending());
        notify.notify_one(); // picks `first`...
        drop(first); // ...which is dropped before it is polled again
        assert!(poll!(&mut second).is_ready(), "the notification must reach `second`");
    });
}

#[test]
fn dropped_notified_sole_waiter_leaves_a_permit() {
    run(async {
        let notify = Notify::new();
        let mut only = Box::pin(notify.notified());
        assert!(poll!(&mut only).is_pending());
        notify.notify_one();
        drop(only);
        notify.notified().await; // the permit the dropped waiter passed on
    });
}

#[test]
fn dropped_waiter_woken_by_notify_waiters_passes_nothing_on() {
    run(async {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        assert!(poll!(&mut a).is_pending());
        assert!(poll!(&mut b).is_pending());
        notify.notify_waiters();
        drop(a);
        assert!(poll!(&mut b).is_ready());
        let mut c = Box::pin(notify.notified());
        assert!(poll!(&mut c).is_pending());
    });
}

#[test]
fn dropped_unnotified_waiter_leaves_the_queue() {
    run(async {
        let notify = Notify::new();
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        assert!(poll!(&mut a).is_pending());
        assert!(poll!(&mut b).is_pending());
        drop(a);
        notify.notify_one();
        assert!(poll!(&mut b).is_ready());
        // Timed-out waiters are removed too.
        assert!(timeout(Duration::from_millis(3), notify.notified()).await.is_err());
        notify.notify_one();
        notify.notified().await;
    });
}

static STATIC_NOTIFY: Notify = Notify::new();

#[test]
fn static_notify() {
    run(async {
        let waiter = spawn(async { STATIC_NOTIFY.notified().await });
        yield_now().await;
        STATIC_NOTIFY.notify_one();
        waiter.await.unwrap();
    });
}

#[test]
fn notify_one_from_another_thread_wakes_the_task() {
    let executor = Executor::new(StdPlatform::new());
    let notify = Arc::new(Notify::new());
    executor.block_on(async {
        for _ in 0..50 {
            let n = notify.clone();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(1));
                n.notify_one();
            });
            notify.notified().await;
            thread.join().unwrap();
        }
        // notify_waiters from a thread while a task waits.
        let n = notify.clone();
        let waiter = spawn(async move { n.notified().await });
        yield_now().await;
        let n = notify.clone();
        std::thread::spawn(move || n.notify_waiters()).join().unwrap();
        waiter.await.unwrap();
    });
}
