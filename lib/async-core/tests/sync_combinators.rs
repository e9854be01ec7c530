//! futures-util combinators (`join`, `join_all`, `select`, `select_all`,
//! `FuturesUnordered`, `join!`, `select_biased!`) running on this executor together
//! with the sync primitives, including the cancellation of the losers.
use async_core::sync::{Mutex, Notify, Semaphore, Signal, channel, oneshot};
use async_core::time::{Duration, sleep};
use async_core::{Executor, VirtualTimePlatform, spawn, yield_now};
use futures_util::future::{self, Either, FutureExt};
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::{poll, select_biased};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

#[test]
fn join_sender_and_receiver() {
    run(async {
        let (tx, mut rx) = channel::<u32>(1);
        let producer = async {
            for i in 0..20 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
        };
        let consumer = async {
            let mut sum = 0;
            while let Some(v) = rx.recv().await {
                sum += v;
            }
            sum
        };
        let ((), sum) = future::join(producer, consumer).await;
        assert_eq!(sum, (0..20).sum());
    });
}

#[test]
fn join_all_oneshots_resolved_by_tasks() {
    run(async {
        let mut receivers = Vec::new();
        for i in 0..10u64 {
            let (tx, rx) = oneshot::channel();
            receivers.push(rx);
            spawn(async move {
                sleep(Duration::from_millis(10 - i)).await;
                tx.send(i * i).unwrap();
            })
            .detach();
        }
        let results = future::join_all(receivers).await;
        let values: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, (0..10).map(|i| i * i).collect::<Vec<_>>());
    });
}

#[test]
fn select_drops_the_losing_notified_cleanly() {
    run(async {
        let notify = Arc::new(Notify::new());
        let (tx, mut rx) = channel::<u32>(1);
        spawn(async move { tx.send(5).await.unwrap() }).detach();
        // Owned (boxed) so that `select` hands the loser back to be dropped; a
        // loser pinned on our stack would stay registered until its scope ends.
        let winner = future::select(Box::pin(notify.notified()), Box::pin(rx.recv())).await;
        match winner {
            Either::Right((value, loser)) => {
                assert_eq!(value, Some(5));
                drop(loser);
            }
            Either::Left(_) => panic!("nobody notified"),
        }
        // The dropped `Notified` left the queue: this notification is stored
        // as a permit instead of being swallowed by a dead waiter.
        notify.notify_one();
        notify.notified().await;
    });
}

#[test]
fn select_all_over_semaphore_acquires() {
    run(async {
        let sem = Semaphore::new(0);
        let acquires: Vec<_> = (1..=3).map(|n| Box::pin(sem.acquire(n))).collect();
        let all = future::select_all(acquires);
        let mut all = pin!(all);
        assert!(poll!(&mut all).is_pending());
        sem.add_permits(2); // the head wants 1: served; the second wants 2: not yet
        let (permit, index, rest) = all.await;
        assert_eq!(index, 0);
        assert_eq!(permit.num_permits(), 1);
        assert_eq!(sem.available_permits(), 1);
        drop(rest); // cancels the other two
        drop(permit);
        assert_eq!(sem.available_permits(), 2);
        assert!(sem.try_acquire(2).is_some());
    });
}

#[test]
fn futures_unordered_of_waiters() {
    run(async {
        let notify = Notify::new();
        let signal = Signal::new();
        let mutex = Mutex::new(0);
        let mut set = FuturesUnordered::new();
        for i in 0..5 {
            let n = &notify;
            let m = &mutex;
            set.push(
                async move {
                    n.notified().await;
                    *m.lock().await += 1;
                    i
                }
                .boxed_local(),
            );
        }
        set.push(async { signal.wait().await }.boxed_local());
        assert!(poll!(set.next()).is_pending());
        signal.signal(100);
        assert_eq!(set.next().await, Some(100));
        let mut done = Vec::new();
        for _ in 0..5 {
            notify.notify_one();
            done.push(set.next().await.unwrap());
        }
        assert_eq!(done, [0, 1, 2, 3, 4]);
        assert_eq!(set.next().await, None);
        assert_eq!(*mutex.lock().await, 5);
    });
}

#[test]
fn futures_unordered_of_spawned_tasks() {
    run(async {
        let sem = Arc::new(Semaphore::new(3));
        let mut tasks: FuturesUnordered<_> = (0..20u32)
            .map(|i| {
                let sem = sem.clone();
                spawn(async move {
                    let _p = sem.acquire(1).await;
                    yield_now().await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        while let Some(r) = tasks.next().await {
            sum += r.unwrap();
        }
        assert_eq!(sum, (0..20).sum());
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn join_and_select_macros() {
    run(async {
        let (tx, mut rx) = channel::<&'static str>(2);
        let (otx, orx) = oneshot::channel::<u8>();
        let (a, b) = futures_util::join!(
            async {
                tx.send("x").await.unwrap();
                otx.send(9).unwrap();
            },
            orx
        );
        assert_eq!((a, b), ((), Ok(9)));

        let notify = Notify::new();
        let stop = Signal::new();
        stop.signal(());
        let received = select_biased! {
            v = rx.recv().fuse() => v,
            _ = notify.notified().fuse() => panic!("not notified"),
        };
        assert_eq!(received, Some("x"));
        let mut loops = 0;
        while loops < 10 {
            select_biased! {
                _ = stop.wait().fuse() => break,
                _ = notify.notified().fuse() => loops += 1,
            }
        }
        assert_eq!(loops, 0);
        // The losing `Notified`s were dropped and unregistered.
        notify.notify_one();
        notify.notified().await;
    });
}
