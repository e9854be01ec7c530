//! Loom models of the lock-free core: the run queue and the task state
//! machine (wake, poll, abort, completion, JoinHandle). Run with `make loom`
//! (`RUSTFLAGS="--cfg loom" cargo test -p async-core --lib --release loom`);
//! loom explores every interleaving of the atomics within its bounds.

use crate::executor::{Executor, Platform};
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::queue::{QueueLink, RunQueue};
use alloc::boxed::Box;
use core::ptr::NonNull;
use core::task::{Poll, Waker};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// Idle = let other loom threads run.
struct LoomPlatform;

impl Platform for LoomPlatform {
    fn idle(&self, _deadline: Option<u64>, _ready: &dyn Fn() -> bool) {
        thread::yield_now();
    }
    fn notify(&self) {}
}

/// Runs `f` under loom with a virtual clock: the executor times every poll,
/// and a real clock would make runs differ (a slow exploration step could
/// cross the long-poll threshold), which loom rejects as non-determinism.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(move || {
        crate::time::set_thread_clock(Some(std::sync::Arc::new(crate::time::VirtualClock::new(
            1_000,
        ))));
        f();
    });
}

#[test]
fn loom_queue_two_producers_one_consumer() {
    model(|| {
        let queue = Arc::new(RunQueue::new());
        queue.init();
        let producers: std::vec::Vec<_> = (0..2usize)
            .map(|i| {
                let q = queue.clone();
                thread::spawn(move || {
                    #[repr(C)]
                    struct Node {
                        link: QueueLink,
                        value: usize,
                    }
                    let node = Box::into_raw(Box::new(Node {
                        link: QueueLink::new(core::ptr::null_mut()),
                        value: i,
                    }));
                    // SAFETY: a fresh node, queued once.
                    unsafe { q.push(NonNull::new_unchecked(node as *mut QueueLink)) };
                })
            })
            .collect();
        let mut seen = [false; 2];
        let mut received = 0;
        while received < 2 {
            // SAFETY: this thread is the only consumer.
            match unsafe { queue.pop() } {
                Some(link) => {
                    #[repr(C)]
                    struct Node {
                        link: QueueLink,
                        value: usize,
                    }
                    // SAFETY: every node is a boxed Node pushed above.
                    let node = unsafe { Box::from_raw(link.as_ptr() as *mut Node) };
                    assert!(!seen[node.value]);
                    seen[node.value] = true;
                    received += 1;
                }
                None => thread::yield_now(),
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        assert!(queue.is_empty());
    });
}

/// Spawns a task that publishes its waker and returns `Pending` on its first
/// poll and completes on its second; returns its handle, its poll count and
/// where its waker is published.
fn spawn_waiter(
    executor: &Executor,
) -> (crate::JoinHandle<()>, Arc<AtomicUsize>, Arc<Mutex<Option<Waker>>>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let (p, slot) = (polls.clone(), waker_slot.clone());
    let handle = executor.spawn(core::future::poll_fn(move |cx| {
        if p.fetch_add(1, Ordering::SeqCst) == 0 {
            *slot.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    (handle, polls, waker_slot)
}

#[test]
fn loom_wake_during_poll_is_not_lost() {
    model(|| {
        let executor = Executor::new(LoomPlatform);
        let (handle, polls, waker_slot) = spawn_waiter(&executor);
        let waker_slot2 = waker_slot.clone();
        let waker_thread = thread::spawn(move || {
            loop {
                if let Some(w) = waker_slot2.lock().unwrap().take() {
                    w.wake();
                    return;
                }
                thread::yield_now();
            }
        });
        // Poll until the waker is published, racing the other thread's wake.
        while waker_slot.lock().unwrap().is_some() || polls.load(Ordering::SeqCst) == 0 {
            executor.run_until_stalled();
            thread::yield_now();
        }
        waker_thread.join().unwrap();
        // The wake has happened: one more pass must complete the task.
        executor.run_until_stalled();
        assert!(handle.is_finished(), "a wake was lost");
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn loom_abort_racing_a_wake() {
    model(|| {
        let executor = Executor::new(LoomPlatform);
        let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let slot = waker_slot.clone();
        let handle = executor.spawn(core::future::poll_fn(move |cx| {
            *slot.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        }));
        executor.run_until_stalled();
        let waker = waker_slot.lock().unwrap().take().unwrap();
        let waker_thread = thread::spawn(move || waker.wake());
        handle.abort();
        waker_thread.join().unwrap();
        executor.run_until_stalled();
        assert!(handle.is_finished());
        assert_eq!(executor.stats().live, 0);
    });
}

#[test]
fn loom_handle_drop_racing_completion_drops_the_output_once() {
    model(|| {
        let dropped = Arc::new(AtomicUsize::new(0));
        struct Output(Arc<AtomicUsize>);
        impl Drop for Output {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let executor = Executor::new(LoomPlatform);
        let d = dropped.clone();
        let handle = executor.spawn(async move { Output(d) });
        let dropper = thread::spawn(move || drop(handle));
        executor.run_until_stalled();
        dropper.join().unwrap();
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_abort_racing_a_task_that_wakes_itself() {
    model(|| {
        let executor = Executor::new(LoomPlatform);
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        // Wakes itself on its first poll (re-queued still RUNNING), then waits.
        let handle = executor.spawn(core::future::poll_fn(move |cx| {
            if p.fetch_add(1, Ordering::SeqCst) == 0 {
                cx.waker().wake_by_ref();
            }
            Poll::<()>::Pending
        }));
        let aborter = thread::spawn(move || {
            handle.abort();
            handle
        });
        executor.run_until_stalled();
        let handle = aborter.join().unwrap();
        executor.run_until_stalled();
        assert!(handle.is_finished(), "the abort was lost");
        assert!(polls.load(Ordering::SeqCst) <= 2);
        assert_eq!(executor.stats().live, 0);
    });
}

#[test]
fn loom_wake_from_a_task_racing_a_wake_from_another_thread() {
    // One wake goes onto the executor's ready list (from a task on its
    // thread), the other into the inbox (from another thread): the task is
    // queued once and polled again, whichever wins.
    model(|| {
        let executor = Executor::new(LoomPlatform);
        let (waiter, polls, waker_slot) = spawn_waiter(&executor);
        executor.run_until_stalled();
        let waker = waker_slot.lock().unwrap().take().unwrap();
        let local = waker.clone();
        let remote = thread::spawn(move || waker.wake());
        let waking = executor.spawn(async move { local.wake() });
        executor.run_until_stalled();
        remote.join().unwrap();
        executor.run_until_stalled();
        assert!(waiter.is_finished() && waking.is_finished(), "a wake was lost");
        assert_eq!(polls.load(Ordering::SeqCst), 2, "polled once per state, not per wake");
    });
}
