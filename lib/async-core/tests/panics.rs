//! Panics out of user code the executor calls (on the host; the kernel aborts
//! on a panic): a poll, a future's or an output's `Drop`, the long-poll hook.
//! Each panic reaches the caller, and the executor stays in order: nothing is
//! dropped twice, no task is left half finished, other tasks run on, and the
//! executor drops. Each test runs on a thread of its own with a time limit,
//! because a task left half finished hangs the executor's drop: the test
//! fails instead of hanging.

mod common;

use async_core::time::Duration;
use async_core::{Executor, JoinError, JoinHandle, VirtualTimePlatform, yield_now};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use common::{virtual_executor, within_time_limit};

/// Whether `f` panicked.
fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

/// Counts its drops, then panics.
struct PanicOnDrop(Arc<AtomicUsize>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("a destructor panicked");
    }
}

/// Runs the executor's ready tasks, which must end in a panic.
fn run_panics(ex: &Executor) {
    assert!(
        panics(|| {
            ex.run_until_stalled();
        }),
        "the panic reaches the caller"
    );
}

/// Checks the end of a task whose future panicked or was dropped on the
/// way: dropped exactly once, reported aborted; then the executor goes on.
fn aborted_once<T: std::fmt::Debug>(ex: Executor, handle: JoinHandle<T>, drops: &AtomicUsize) {
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped once");
    assert_eq!(ex.block_on(handle).unwrap_err(), JoinError::Aborted);
    still_runs_and_drops(ex);
}

/// Counts its drops (without panicking).
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Checks that the executor still runs tasks, then drops it (a task left
/// half finished would hang that drop).
fn still_runs_and_drops(ex: Executor) {
    let handle = ex.spawn(async {
        yield_now().await;
        5
    });
    assert_eq!(ex.block_on(handle), Ok(5));
    assert_eq!(ex.stats().live, 0, "no task left behind");
    drop(ex);
}

#[test]
fn a_future_whose_drop_panics_after_it_finished_is_dropped_once() {
    within_time_limit(|| {
        /// Ready at once; panics when dropped.
        struct Finisher {
            _held: PanicOnDrop,
        }
        impl Future for Finisher {
            type Output = u32;
            fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
                Poll::Ready(7)
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let handle = ex.spawn(Finisher { _held: PanicOnDrop(drops.clone()) });
        run_panics(&ex);
        aborted_once(ex, handle, &drops); // not dropped again on the unwind
    });
}

#[test]
fn an_output_whose_drop_panics_without_a_handle_finishes_its_task() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let d = drops.clone();
        drop(ex.spawn(async move { PanicOnDrop(d) }));
        run_panics(&ex);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        still_runs_and_drops(ex);
    });
}

#[test]
fn an_output_whose_drop_panics_in_the_handle_releases_the_task() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let d = drops.clone();
        let handle = ex.spawn(async move { PanicOnDrop(d) });
        ex.run_until_stalled();
        assert!(panics(|| drop(handle)));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        still_runs_and_drops(ex);
    });
}

/// A task that holds a `PanicOnDrop` while it waits forever.
fn waiting_holder(ex: &Executor, drops: &Arc<AtomicUsize>) -> JoinHandle<()> {
    let held = PanicOnDrop(drops.clone());
    ex.spawn(async move {
        let _held = held;
        std::future::pending::<()>().await;
    })
}

#[test]
fn aborting_an_idle_task_whose_future_panics_on_drop_finishes_it() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let handle = waiting_holder(&ex, &drops);
        ex.run_until_stalled(); // now idle
        assert!(panics(|| handle.abort()), "the future is dropped in abort");
        aborted_once(ex, handle, &drops);
    });
}

#[test]
fn aborting_a_queued_task_whose_future_panics_on_drop_finishes_it() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let handle = waiting_holder(&ex, &drops);
        handle.abort(); // still queued: the executor drops the future
        run_panics(&ex);
        aborted_once(ex, handle, &drops);
    });
}

#[test]
fn a_task_aborted_during_its_poll_whose_future_panics_on_drop_finishes() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let slot: Arc<Mutex<Option<JoinHandle<()>>>> = Arc::new(Mutex::new(None));
        let (s, held) = (slot.clone(), PanicOnDrop(drops.clone()));
        let handle = ex.spawn(async move {
            let _held = held;
            // Abort ourselves mid-poll through our own handle.
            s.lock().unwrap().as_ref().unwrap().abort();
            std::future::pending::<()>().await;
        });
        *slot.lock().unwrap() = Some(handle);
        run_panics(&ex);
        let handle = slot.lock().unwrap().take().unwrap();
        aborted_once(ex, handle, &drops);
    });
}

#[test]
fn a_task_whose_poll_panics_is_dropped_once() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let held = Counted(drops.clone());
        let handle = ex.spawn(async move {
            let _held = held;
            yield_now().await;
            panic!("the task's poll panicked");
        });
        run_panics(&ex);
        aborted_once(ex, handle, &drops);
    });
}

#[test]
fn dropping_an_executor_whose_task_panics_on_drop_finishes_that_task() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let ex = virtual_executor();
        let handle = waiting_holder(&ex, &drops);
        // Aborted after the first: still aborted once that one panicked.
        let others_dropped = Arc::new(AtomicUsize::new(0));
        let held = Counted(others_dropped.clone());
        let other = ex.spawn(async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        ex.run_until_stalled();
        assert!(panics(|| drop(ex)), "the destructor's panic comes out of the drop");
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(others_dropped.load(Ordering::SeqCst), 1, "the next task was aborted too");
        // Both were finished before the panic went on: their handles say so.
        assert!(handle.is_finished() && other.is_finished());
    });
}

#[test]
fn a_panicking_long_poll_hook_loses_no_task() {
    within_time_limit(|| {
        let platform = VirtualTimePlatform::install(1_000_000);
        let clock = platform.clock().clone();
        let ex = Executor::new(platform);
        ex.set_long_poll(Duration::from_millis(1), |_, _| panic!("the hook gave up"));
        let first_clock = clock.clone();
        let yielder = ex.spawn(async move {
            first_clock.advance(Duration::from_millis(5)); // a long poll, then a yield
            yield_now().await;
            7
        });
        let finisher = ex.spawn(async move {
            clock.advance(Duration::from_millis(5)); // a long final poll
            8
        });
        // One report (and panic) per long poll.
        run_panics(&ex);
        run_panics(&ex);
        // Both polls were over when the hook panicked: the yielder is queued
        // again and the finisher's output is kept, so both still finish.
        ex.set_poll_timing(false);
        assert_eq!(ex.block_on(yielder), Ok(7));
        assert_eq!(ex.block_on(finisher), Ok(8));
        assert_eq!(ex.stats().long_polls, 2);
        still_runs_and_drops(ex);
    });
}

/// A waker that panics when woken.
struct PanickingWake;

impl std::task::Wake for PanickingWake {
    fn wake(self: Arc<Self>) {
        panic!("the waker panicked");
    }
}

#[test]
fn a_join_waker_that_panics_still_releases_the_finished_task() {
    within_time_limit(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let platform = VirtualTimePlatform::install(1_000_000);
        // Held by the executor's platform until the executor is freed.
        let clock = platform.clock().clone();
        let ex = Executor::new(platform);
        let clock_holders = Arc::strong_count(&clock);
        let d = drops.clone();
        let mut handle = ex.spawn(async move {
            yield_now().await;
            Counted(d)
        });
        // Awaited from elsewhere, through a waker that panics when the task
        // finishes and wakes it.
        let waker = std::task::Waker::from(Arc::new(PanickingWake));
        let polled = Pin::new(&mut handle).poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
        run_panics(&ex);
        // Finished all the same: the output is kept for the handle.
        assert!(handle.is_finished());
        drop(ex.block_on(handle).expect("the output was kept"));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        still_runs_and_drops(ex);
        // And released: a task still holding a reference would keep its
        // executor (and so the platform's clock) alive.
        assert_eq!(Arc::strong_count(&clock), clock_holders - 1, "the executor is freed");
    });
}
