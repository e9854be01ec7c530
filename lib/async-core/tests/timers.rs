//! Timers as their owners see them: what a sleeping task costs the executor,
//! cancelled and fired sleeps leaving the queue, and `wake_at`'s timers (in
//! allocations of their own) firing and being freed. Heap use is counted per
//! thread by a counting global allocator.

mod common;

use async_core::time::{Duration, Instant, sleep, wake_at};
use async_core::{Executor, VirtualTimePlatform, spawn};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Wake, Waker};

use common::{virtual_executor, within_time_limit};

/// The system allocator, counting the bytes this thread holds.
struct Counting;

std::thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
}

fn held() -> isize {
    HELD.with(Cell::get)
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.with(|h| h.set(h.get() + layout.size() as isize));
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.with(|h| h.set(h.get() - layout.size() as isize));
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts its wakes.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_sleeping_task_costs_the_executor_at_most_64_bytes_beyond_its_future() {
    within_time_limit(|| {
        // 10,000 natively; fewer under Miri, which runs this ~1000x slower.
        let tasks: usize = if cfg!(miri) { 200 } else { 10_000 };
        let ex = virtual_executor();
        let future_size = size_of_val(&sleep(Duration::from_secs(3600)));
        // Warm up: structures made once per executor exist first.
        drop(ex.spawn(sleep(Duration::from_secs(1))));
        ex.run_until_stalled();
        let mut handles = Vec::with_capacity(tasks);
        let before = held();
        for _ in 0..tasks {
            handles.push(ex.spawn(sleep(Duration::from_secs(3600))));
        }
        ex.run_until_stalled();
        assert_eq!(ex.stats().timers, tasks + 1, "every task's timer is armed");
        let per_task = (held() - before) as usize / tasks;
        let overhead = per_task - future_size;
        assert!(overhead <= 64, "{overhead} bytes beyond a {future_size}-byte future");
        for handle in &handles {
            handle.abort();
        }
        ex.run_until_stalled();
        assert_eq!(ex.stats().timers, 1, "an aborted task's timer leaves the queue");
    });
}

#[test]
fn cancelled_and_fired_sleeps_leave_the_queue() {
    within_time_limit(|| {
        let ex = virtual_executor();
        let woke_at = ex.block_on(async {
            let mut sleepers: Vec<_> =
                (1..=100).map(|ms| spawn(sleep(Duration::from_millis(ms)))).collect();
            // Their first polls (a batch at a time) arm their timers.
            while async_core::stats().unwrap().timers < 100 {
                async_core::yield_now().await;
            }
            // Cancel every other one, then let the rest fire.
            for handle in sleepers.iter().step_by(2) {
                handle.abort();
            }
            async_core::yield_now().await;
            assert_eq!(async_core::stats().unwrap().timers, 50);
            let start = Instant::now();
            for handle in sleepers.drain(..).skip(1).step_by(2) {
                handle.await.unwrap();
            }
            start.elapsed()
        });
        // The last of them was due 100 ms after the start.
        assert!(woke_at >= Duration::from_millis(99), "{woke_at:?}");
        assert_eq!(ex.stats().timers, 0);
    });
}

#[test]
fn wake_at_timers_fire_once_and_free_themselves() {
    within_time_limit(|| {
        let ex = virtual_executor();
        let counter = Arc::new(Counter::default());
        let waker = Waker::from(counter.clone());
        let before = held();
        ex.block_on(async {
            let deadline = Instant::now() + Duration::from_millis(5);
            for _ in 0..10 {
                wake_at(deadline, &waker);
            }
            assert_eq!(async_core::stats().unwrap().timers, 10);
            assert_eq!(counter.0.load(Ordering::Relaxed), 0, "not due yet");
            async_core::time::sleep_until(deadline).await;
            // The timers fire in the executor's loop, before its next batch.
            async_core::yield_now().await;
        });
        assert_eq!(counter.0.load(Ordering::Relaxed), 10, "each fired once");
        assert_eq!(ex.stats().timers, 0);
        assert_eq!(held(), before, "each timer's allocation was freed when it fired");
    });
}

#[test]
fn wake_at_timers_left_with_a_dropped_executor_are_freed() {
    within_time_limit(|| {
        // The thread's virtual clock, installed with the first executor, stays.
        drop(virtual_executor());
        let counter = Arc::new(Counter::default());
        let before = held();
        {
            let ex = virtual_executor();
            let waker = Waker::from(counter.clone());
            ex.block_on(poll_fn(|_| {
                for ms in 1..=5 {
                    wake_at(Instant::now() + Duration::from_secs(ms), &waker);
                }
                Poll::Ready(())
            }));
            assert_eq!(ex.stats().timers, 5);
        }
        assert_eq!(counter.0.load(Ordering::Relaxed), 0, "dropped, not woken");
        assert_eq!(Arc::strong_count(&counter), 1, "the queue let go of every waker");
        assert_eq!(held(), before, "and of every timer's allocation");
    });
}

#[test]
fn a_sleep_moved_between_polls_in_a_box_stays_correct() {
    within_time_limit(|| {
        // A pinned box may move as a pointer: the timer node inside does not.
        let ex = Executor::new(VirtualTimePlatform::install(1_000));
        let elapsed = ex.block_on(async {
            let start = Instant::now();
            let mut first = Box::pin(sleep(Duration::from_millis(30)));
            let mut second = Box::pin(sleep(Duration::from_millis(10)));
            poll_fn(|cx| {
                assert!(first.as_mut().poll(cx).is_pending());
                assert!(second.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            let mut moved = vec![second, first];
            moved.reverse();
            let second = moved.pop().unwrap();
            second.await;
            let after_second = start.elapsed();
            moved.pop().unwrap().await;
            (after_second, start.elapsed())
        });
        assert_eq!(elapsed.0, Duration::from_millis(10));
        assert_eq!(elapsed.1, Duration::from_millis(30));
        assert_eq!(ex.stats().timers, 0);
    });
}

use std::future::Future as _;
