//! The async `Mutex`: mutual exclusion across yields, FIFO hand-off,
//! cancellation, statics and use from two executors on two threads.
use async_core::sync::{Mutex, MutexGuard, channel};
use async_core::{Executor, StdPlatform, VirtualTimePlatform, spawn, yield_now};
use futures_util::poll;
use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn auto_traits() {
    assert_send_sync::<Mutex<u32>>();
    // Like std: T: Send is enough for the mutex to be shared.
    assert_send_sync::<Mutex<Cell<u32>>>();
    assert_send::<MutexGuard<'static, Cell<u32>>>();
    assert_send_sync::<MutexGuard<'static, u32>>();
}

#[test]
fn mutual_exclusion_across_yields() {
    run(async {
        struct Shared {
            inside: bool,
            counter: u64,
        }
        let mutex = Arc::new(Mutex::new(Shared { inside: false, counter: 0 }));
        let mut handles = Vec::new();
        for _ in 0..10 {
            let mutex = mutex.clone();
            handles.push(spawn(async move {
                for _ in 0..100 {
                    let mut guard = mutex.lock().await;
                    assert!(!guard.inside, "two tasks inside the critical section");
                    guard.inside = true;
                    let seen = guard.counter;
                    yield_now().await; // others run while we hold the lock
                    guard.counter = seen + 1;
                    guard.inside = false;
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(mutex.lock().await.counter, 1000);
    });
}

#[test]
fn try_lock_get_mut_into_inner() {
    run(async {
        let mut mutex = Mutex::new(vec![1]);
        mutex.get_mut().push(2);
        let guard = mutex.lock().await;
        assert!(mutex.try_lock().is_none());
        assert_eq!(format!("{mutex:?}"), "Mutex { value: <locked> }");
        drop(guard);
        mutex.try_lock().unwrap().push(3);
        assert_eq!(mutex.into_inner(), [1, 2, 3]);
    });
}

#[test]
fn lock_is_handed_over_in_fifo_order() {
    run(async {
        let mutex = Arc::new(Mutex::new(Vec::new()));
        let guard = mutex.lock().await;
        let (tx, mut rx) = channel::<()>(1);
        for i in 0..8 {
            let mutex = mutex.clone();
            let tx = tx.clone();
            spawn(async move {
                mutex.lock().await.push(i);
                drop(tx);
            })
            .detach();
            yield_now().await;
        }
        drop(tx);
        drop(guard);
        assert_eq!(rx.recv().await, None); // every task done
        assert_eq!(*mutex.lock().await, (0..8).collect::<Vec<_>>());
    });
}

#[test]
fn unlock_then_relock_cannot_barge_ahead_of_a_waiter() {
    run(async {
        let mutex = Mutex::new(0);
        let guard = mutex.lock().await;
        let mut waiter = Box::pin(mutex.lock());
        assert!(poll!(&mut waiter).is_pending());
        drop(guard);
        assert!(mutex.try_lock().is_none(), "the lock belongs to the waiter now");
        let mut g = waiter.await;
        *g += 1;
    });
}

#[test]
fn dropped_locker_passes_the_lock_on() {
    run(async {
        let mutex = Mutex::new(());
        let guard = mutex.lock().await;
        let mut first = Box::pin(mutex.lock());
        let mut second = Box::pin(mutex.lock());
        assert!(poll!(&mut first).is_pending());
        assert!(poll!(&mut second).is_pending());
        drop(guard); // hands the lock to `first`...
        drop(first); // ...dropped without taking it
        let g = match poll!(&mut second) {
            std::task::Poll::Ready(g) => g,
            std::task::Poll::Pending => panic!("the lock must reach `second`"),
        };
        drop(g);
        assert!(mutex.try_lock().is_some());
    });
}

static STATIC_MUTEX: Mutex<u32> = Mutex::new(5);

#[test]
fn static_mutex() {
    run(async {
        *STATIC_MUTEX.lock().await += 1;
        assert_eq!(*STATIC_MUTEX.try_lock().unwrap(), 6);
    });
}

#[test]
fn shared_between_executors_on_two_threads() {
    let mutex = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let mutex = mutex.clone();
            std::thread::spawn(move || {
                Executor::new(StdPlatform::new()).block_on(async move {
                    let mut handles = Vec::new();
                    for _ in 0..4 {
                        let mutex = mutex.clone();
                        handles.push(spawn(async move {
                            for _ in 0..250 {
                                let mut g = mutex.lock().await;
                                let v = *g;
                                yield_now().await;
                                *g = v + 1;
                            }
                        }));
                    }
                    for h in handles {
                        h.await.unwrap();
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*Arc::try_unwrap(mutex).unwrap().get_mut(), 2000);
}
