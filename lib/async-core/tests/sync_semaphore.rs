//! `Semaphore`: permits, FIFO fairness with a big request at the head,
//! cancellation hand-off and a concurrency limit.
use async_core::sync::{Semaphore, channel};
use async_core::{Executor, VirtualTimePlatform, spawn, yield_now};
use futures_util::poll;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

#[test]
fn permits_are_taken_and_given_back() {
    run(async {
        let sem = Semaphore::new(3);
        let two = sem.acquire(2).await;
        assert_eq!(two.num_permits(), 2);
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.try_acquire(2).is_none());
        let one = sem.try_acquire(1).unwrap();
        assert_eq!(sem.available_permits(), 0);
        drop(two);
        assert_eq!(sem.available_permits(), 2);
        one.forget();
        assert_eq!(sem.available_permits(), 2, "a forgotten permit is not returned");
        sem.add_permits(5);
        assert_eq!(sem.available_permits(), 7);
        let zero = sem.acquire(0).await;
        assert_eq!(zero.num_permits(), 0);
    });
}

#[test]
fn big_request_at_the_head_blocks_smaller_ones() {
    run(async {
        let sem = Semaphore::new(1);
        let mut big = Box::pin(sem.acquire(3));
        let mut small = Box::pin(sem.acquire(1));
        assert!(poll!(&mut big).is_pending());
        // One permit is free, but `big` is first in line.
        assert!(poll!(&mut small).is_pending());
        assert!(sem.try_acquire(1).is_none(), "try_acquire must not barge past waiters");
        assert_eq!(sem.available_permits(), 1);
        sem.add_permits(2);
        let big_permit = match poll!(&mut big) {
            std::task::Poll::Ready(p) => p,
            std::task::Poll::Pending => panic!("3 permits available: big must be served"),
        };
        assert!(poll!(&mut small).is_pending());
        drop(big_permit);
        assert!(poll!(&mut small).is_ready());
        drop(small);
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn dropping_the_blocking_head_lets_the_next_through() {
    run(async {
        let sem = Semaphore::new(1);
        let mut big = Box::pin(sem.acquire(5));
        let mut small = Box::pin(sem.acquire(1));
        assert!(poll!(&mut big).is_pending());
        assert!(poll!(&mut small).is_pending());
        drop(big);
        assert!(poll!(&mut small).is_ready());
    });
}

#[test]
fn dropped_acquirer_with_permits_passes_them_on() {
    run(async {
        let sem = Semaphore::new(0);
        let mut first = Box::pin(sem.acquire(1));
        let mut second = Box::pin(sem.acquire(1));
        assert!(poll!(&mut first).is_pending());
        assert!(poll!(&mut second).is_pending());
        sem.add_permits(1); // handed to `first`...
        assert_eq!(sem.available_permits(), 0);
        drop(first); // ...which never used it
        assert!(poll!(&mut second).is_ready(), "the permit must reach `second`");
        drop(second);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn waiters_are_served_in_fifo_order() {
    run(async {
        let sem = Arc::new(Semaphore::new(0));
        let (tx, mut rx) = channel::<usize>(16);
        for i in 0..10 {
            let sem = sem.clone();
            let tx = tx.clone();
            spawn(async move {
                let _permit = sem.acquire(1).await;
                tx.send(i).await.unwrap();
            })
            .detach();
            yield_now().await;
        }
        drop(tx);
        for expected in 0..10 {
            sem.add_permits(1);
            assert_eq!(rx.recv().await, Some(expected));
            // The task drops its permit when done; take it out of play again.
            yield_now().await;
            sem.try_acquire(1).unwrap().forget();
        }
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn limits_concurrency() {
    run(async {
        let sem = Arc::new(Semaphore::new(2));
        let active = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..10 {
            let (sem, active, peak) = (sem.clone(), active.clone(), peak.clone());
            handles.push(spawn(async move {
                for _ in 0..5 {
                    let _permit = sem.acquire(1).await;
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    yield_now().await;
                    yield_now().await;
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn add_permits_wakes_many_waiters() {
    run(async {
        let sem = Arc::new(Semaphore::new(0));
        let mut handles = Vec::new();
        for _ in 0..40 {
            let sem = sem.clone();
            handles.push(spawn(async move { sem.acquire(1).await.forget() }));
        }
        yield_now().await;
        sem.add_permits(40);
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(sem.available_permits(), 0);
    });
}

static STATIC_SEMAPHORE: Semaphore = Semaphore::new(1);

#[test]
fn static_semaphore() {
    run(async {
        let permit = STATIC_SEMAPHORE.acquire(1).await;
        assert!(STATIC_SEMAPHORE.try_acquire(1).is_none());
        drop(permit);
        assert!(STATIC_SEMAPHORE.try_acquire(1).is_some());
    });
}
