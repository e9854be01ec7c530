//! `Signal`: overwrite semantics, wake-ups, reset/try_take, the
//! second-waiter rule and signals from another thread.
use async_core::sync::Signal;
use async_core::{Executor, StdPlatform, VirtualTimePlatform, spawn, yield_now};
use futures_util::poll;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn run<F: Future>(future: F) -> F::Output {
    let platform = VirtualTimePlatform::install(1_000_000);
    Executor::new(platform).block_on(future)
}

#[test]
fn latest_value_wins() {
    run(async {
        let signal = Signal::new();
        assert!(!signal.signaled());
        signal.signal(1);
        signal.signal(2);
        signal.signal(3);
        assert!(signal.signaled());
        assert_eq!(signal.wait().await, 3);
        assert!(!signal.signaled());
        let mut wait = Box::pin(signal.wait());
        assert!(poll!(&mut wait).is_pending());
    });
}

#[test]
fn overwritten_values_are_dropped() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let signal = Signal::new();
    signal.signal(Counted(drops.clone()));
    signal.signal(Counted(drops.clone()));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    signal.reset();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(signal.try_take().is_none());
}

#[test]
fn waiting_task_is_woken() {
    run(async {
        let signal = Arc::new(Signal::new());
        let s = signal.clone();
        let waiter = spawn(async move { s.wait().await });
        yield_now().await;
        assert!(!waiter.is_finished());
        signal.signal("go");
        assert_eq!(waiter.await.unwrap(), "go");
    });
}

#[test]
fn try_take_and_reset() {
    let signal = Signal::new();
    assert_eq!(signal.try_take(), None);
    signal.signal(5);
    assert_eq!(signal.try_take(), Some(5));
    assert_eq!(signal.try_take(), None);
    signal.signal(6);
    signal.reset();
    assert!(!signal.signaled());
}

#[test]
fn second_waiter_does_not_strand_the_first() {
    run(async {
        let signal = Arc::new(Signal::new());
        let a = spawn({
            let s = signal.clone();
            async move { s.wait().await }
        });
        let b = spawn({
            let s = signal.clone();
            async move { s.wait().await }
        });
        yield_now().await;
        signal.signal(1);
        for _ in 0..4 {
            yield_now().await;
        }
        signal.signal(2);
        let mut got = [a.await.unwrap(), b.await.unwrap()];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

static STATIC_SIGNAL: Signal<u32> = Signal::new();

#[test]
fn signal_from_another_thread_wakes_the_task() {
    let executor = Executor::new(StdPlatform::new());
    executor.block_on(async {
        for i in 0..20 {
            let thread = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(1));
                STATIC_SIGNAL.signal(i);
            });
            assert_eq!(STATIC_SIGNAL.wait().await, i);
            thread.join().unwrap();
        }
    });
}

/// A waker that counts its wakes; `Arc::strong_count` tells who holds it.
struct CountingWake(AtomicUsize);

impl std::task::Wake for CountingWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWake>, std::task::Waker) {
    let wake = Arc::new(CountingWake(AtomicUsize::new(0)));
    (wake.clone(), std::task::Waker::from(wake))
}

#[test]
fn a_wait_dropped_while_waiting_takes_its_waker_back() {
    let signal = Signal::<u32>::new();
    let (wake, waker) = counting_waker();
    let mut wait = Box::pin(signal.wait());
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    assert_eq!(Arc::strong_count(&wake), 3, "the signal holds a clone");
    drop(wait); // cancelled, say by a timeout
    assert_eq!(Arc::strong_count(&wake), 2, "nothing kept alive for it");
    signal.signal(1);
    assert_eq!(wake.0.load(Ordering::SeqCst), 0, "and nobody woken for nothing");
}

#[test]
fn a_dropped_wait_leaves_the_waiter_that_replaced_it() {
    let signal = Signal::<u32>::new();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let mut first_wait = Box::pin(signal.wait());
    let mut second_wait = Box::pin(signal.wait());
    let pending = first_wait.as_mut().poll(&mut std::task::Context::from_waker(&first_waker));
    assert!(pending.is_pending());
    let pending = second_wait.as_mut().poll(&mut std::task::Context::from_waker(&second_waker));
    assert!(pending.is_pending());
    assert_eq!(first.0.load(Ordering::SeqCst), 1, "the displaced first waiter is woken");
    drop(first_wait);
    signal.signal(7);
    assert_eq!(second.0.load(Ordering::SeqCst), 1, "the second waiter is still woken");
    let ready = second_wait.as_mut().poll(&mut std::task::Context::from_waker(&second_waker));
    assert_eq!(ready, std::task::Poll::Ready(7));
}
