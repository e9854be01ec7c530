//! The executor's edge cases, the ones trusted runtimes test: wakes during a
//! poll, wakes after completion, wakers outliving tasks and executors, abort
//! in every state, merged wakes, fairness, cross-thread wakes, introspection
//! and the long-poll watchdog.

use async_core::time::{Duration, sleep};
use async_core::{
    Executor, JoinError, StdPlatform, TaskState, VirtualTimePlatform, spawn, spawn_named,
    try_spawn, yield_now,
};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

fn virtual_executor() -> Executor {
    Executor::new(VirtualTimePlatform::install(1_000_000))
}

/// Counts its polls; completes when `done` is set.
struct Probe {
    polls: Arc<AtomicUsize>,
    done: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Future for Probe {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.done.load(Ordering::SeqCst) { Poll::Ready(()) } else { Poll::Pending }
    }
}

/// Where a probe publishes its latest waker.
type WakerSlot = Arc<Mutex<Option<Waker>>>;

fn probe() -> (Probe, Arc<AtomicUsize>, Arc<AtomicBool>, WakerSlot) {
    let polls = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let waker = Arc::new(Mutex::new(None));
    (Probe { polls: polls.clone(), done: done.clone(), waker: waker.clone() }, polls, done, waker)
}

#[test]
fn self_wake_during_poll_leads_to_another_poll() {
    let ex = virtual_executor();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let handle = ex.spawn(poll_fn(move |cx| {
        if p.fetch_add(1, Ordering::SeqCst) == 0 {
            cx.waker().wake_by_ref(); // woken while being polled
            Poll::Pending
        } else {
            Poll::Ready(7)
        }
    }));
    assert_eq!(ex.block_on(handle), Ok(7));
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

#[test]
fn wake_from_another_thread_while_polling_is_not_lost() {
    let ex = Executor::new(StdPlatform::new());
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let handle = ex.spawn(poll_fn(move |cx| {
        if p.fetch_add(1, Ordering::SeqCst) == 0 {
            // Another thread wakes us, and we return Pending only after it did.
            let waker = cx.waker().clone();
            std::thread::spawn(move || waker.wake()).join().unwrap();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    ex.block_on(handle).unwrap();
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

#[test]
fn many_wakes_are_merged_into_one_poll() {
    let ex = virtual_executor();
    let (fut, polls, _done, waker) = probe();
    let handle = ex.spawn(fut);
    ex.run_until_stalled();
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    let w = waker.lock().unwrap().clone().unwrap();
    for _ in 0..100 {
        w.wake_by_ref();
    }
    ex.run_until_stalled();
    assert_eq!(polls.load(Ordering::SeqCst), 2, "100 wakes, one poll");
    handle.abort();
}

#[test]
fn wake_after_completion_does_not_poll() {
    let ex = virtual_executor();
    let (fut, polls, done, waker) = probe();
    let handle = ex.spawn(fut);
    ex.run_until_stalled();
    done.store(true, Ordering::SeqCst);
    let w = waker.lock().unwrap().clone().unwrap();
    w.wake_by_ref();
    ex.run_until_stalled();
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    assert!(handle.is_finished());
    w.wake_by_ref();
    // Wake by value too (consumes a clone): a different vtable entry.
    #[allow(clippy::waker_clone_wake)]
    w.clone().wake();
    ex.run_until_stalled();
    assert_eq!(polls.load(Ordering::SeqCst), 2, "a finished task is never polled");
    assert_eq!(ex.block_on(handle), Ok(()));
}

#[test]
fn waker_outlives_its_task_and_its_executor() {
    let (fut, _polls, done, waker) = probe();
    {
        let ex = virtual_executor();
        let handle = ex.spawn(fut);
        ex.run_until_stalled();
        done.store(true, Ordering::SeqCst);
        drop(handle);
        waker.lock().unwrap().as_ref().unwrap().wake_by_ref();
        ex.run_until_stalled();
        assert_eq!(ex.stats().live, 0);
    }
    // The executor is gone; the waker still holds the task's header.
    let w = waker.lock().unwrap().take().unwrap();
    w.wake_by_ref();
    w.wake();
}

#[test]
fn aborting_an_idle_task_drops_its_future_at_once() {
    let ex = virtual_executor();
    let dropped = Arc::new(AtomicBool::new(false));
    struct Guard(Arc<AtomicBool>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let d = dropped.clone();
    let handle = ex.spawn(async move {
        let _guard = Guard(d);
        std::future::pending::<()>().await;
    });
    ex.run_until_stalled();
    assert!(!dropped.load(Ordering::SeqCst));
    handle.abort();
    assert!(dropped.load(Ordering::SeqCst), "dropped before abort returned");
    assert_eq!(ex.block_on(handle), Err(JoinError::Aborted));
    assert_eq!(ex.stats().live, 0);
}

#[test]
fn aborting_a_queued_task_never_polls_it() {
    let ex = virtual_executor();
    let polled = Arc::new(AtomicBool::new(false));
    let p = polled.clone();
    let handle = ex.spawn(async move { p.store(true, Ordering::SeqCst) });
    handle.abort(); // still in the run queue
    ex.run_until_stalled();
    assert!(!polled.load(Ordering::SeqCst));
    assert_eq!(ex.block_on(handle), Err(JoinError::Aborted));
    assert_eq!(ex.stats().live, 0);
}

#[test]
fn aborting_during_a_poll_drops_the_future_right_after_it() {
    let ex = virtual_executor();
    let slot: Arc<Mutex<Option<async_core::JoinHandle<()>>>> = Arc::new(Mutex::new(None));
    let dropped_after_poll = Arc::new(AtomicBool::new(false));
    struct Guard(Arc<AtomicBool>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let s = slot.clone();
    let d = dropped_after_poll.clone();
    let handle = ex.spawn(async move {
        let _guard = Guard(d.clone());
        // Abort ourselves mid-poll through our own handle.
        s.lock().unwrap().as_ref().unwrap().abort();
        assert!(!d.load(Ordering::SeqCst), "not dropped during the poll");
        std::future::pending::<()>().await;
    });
    // A second handle is not possible; hand the real one over and await via id.
    *slot.lock().unwrap() = Some(handle);
    ex.run_until_stalled();
    assert!(dropped_after_poll.load(Ordering::SeqCst), "dropped right after the poll");
    let handle = slot.lock().unwrap().take().unwrap();
    assert_eq!(ex.block_on(handle), Err(JoinError::Aborted));
}

#[test]
fn a_task_that_finishes_in_the_poll_that_aborts_it_keeps_its_output() {
    let ex = virtual_executor();
    let slot: Arc<Mutex<Option<async_core::JoinHandle<u32>>>> = Arc::new(Mutex::new(None));
    let s = slot.clone();
    let handle = ex.spawn(async move {
        s.lock().unwrap().as_ref().unwrap().abort();
        5
    });
    *slot.lock().unwrap() = Some(handle);
    ex.run_until_stalled();
    let handle = slot.lock().unwrap().take().unwrap();
    assert_eq!(ex.block_on(handle), Ok(5));
}

#[test]
fn a_detached_task_runs_to_completion_and_its_output_is_dropped() {
    let ex = virtual_executor();
    let finished = Arc::new(AtomicBool::new(false));
    let output_dropped = Arc::new(AtomicBool::new(false));
    struct Output(Arc<AtomicBool>);
    impl Drop for Output {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let (f, o) = (finished.clone(), output_dropped.clone());
    ex.spawn(async move {
        sleep(Duration::from_millis(5)).await;
        f.store(true, Ordering::SeqCst);
        Output(o)
    })
    .detach();
    ex.block_on(sleep(Duration::from_millis(10)));
    assert!(finished.load(Ordering::SeqCst));
    assert!(output_dropped.load(Ordering::SeqCst));
    assert_eq!(ex.stats().live, 0);
}

#[test]
fn dropping_the_handle_after_completion_drops_the_output() {
    let ex = virtual_executor();
    let output_dropped = Arc::new(AtomicBool::new(false));
    struct Output(Arc<AtomicBool>);
    impl Drop for Output {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let o = output_dropped.clone();
    let handle = ex.spawn(async move { Output(o) });
    ex.run_until_stalled();
    assert!(handle.is_finished());
    assert!(!output_dropped.load(Ordering::SeqCst), "kept for the handle");
    drop(handle);
    assert!(output_dropped.load(Ordering::SeqCst));
}

#[test]
fn a_self_waking_task_does_not_starve_others() {
    let ex = virtual_executor();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let hog = ex.spawn(async move {
        let mut n = 0u64;
        while !s.load(Ordering::SeqCst) {
            yield_now().await;
            n += 1;
        }
        n
    });
    let polite = ex.spawn(async {
        for _ in 0..10 {
            yield_now().await;
        }
    });
    ex.block_on(polite).unwrap();
    stop.store(true, Ordering::SeqCst);
    let hog_rounds = ex.block_on(hog).unwrap();
    assert!(hog_rounds < 100, "FIFO: the hog ran {hog_rounds} rounds while the other needed 10");
}

#[test]
fn a_task_woken_from_another_thread_is_not_held_off_by_yielding_tasks() {
    // Two tasks yield for ever (they live on the executor's own ready list);
    // a task woken from another thread arrives through the inbox and must
    // get its turn within about a batch of polls, not when they stop.
    let ex = Executor::new(StdPlatform::new());
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let spinners: Vec<_> = (0..2)
        .map(|_| {
            let (s, r) = (stop.clone(), rounds.clone());
            ex.spawn(async move {
                while !s.load(Ordering::SeqCst) {
                    r.fetch_add(1, Ordering::SeqCst);
                    yield_now().await;
                }
            })
        })
        .collect();
    let (fut, polls, done, waker) = probe();
    let waiter = ex.spawn(fut);
    let rounds_when_woken = Arc::new(AtomicUsize::new(usize::MAX));
    let rounds_at_poll = ex.block_on({
        let (rounds, woken_at) = (rounds.clone(), rounds_when_woken.clone());
        async move {
            // Let the spinners and the waiter's first poll run.
            while polls.load(Ordering::SeqCst) == 0 {
                yield_now().await;
            }
            let w = waker.lock().unwrap().take().unwrap();
            done.store(true, Ordering::SeqCst);
            let (rounds_t, woken_at_t) = (rounds.clone(), woken_at.clone());
            std::thread::spawn(move || {
                woken_at_t.store(rounds_t.load(Ordering::SeqCst), Ordering::SeqCst);
                w.wake();
            })
            .join()
            .unwrap();
            waiter.await.unwrap();
            rounds.load(Ordering::SeqCst)
        }
    });
    let waited = rounds_at_poll - rounds_when_woken.load(Ordering::SeqCst);
    assert!(waited <= 2 * async_core::BATCH, "woken task waited {waited} polls of the spinners");
    stop.store(true, Ordering::SeqCst);
    for s in spinners {
        ex.block_on(s).unwrap();
    }
}

#[test]
fn tasks_woken_by_a_task_run_in_the_order_they_were_woken() {
    // Wakes from a task on the executor's own thread go straight onto its
    // ready list: still first woken, first polled.
    let ex = virtual_executor();
    let order = Arc::new(Mutex::new(Vec::new()));
    let probes: Vec<_> = (0..4)
        .map(|i| {
            let (fut, _, done, waker) = probe();
            let order = order.clone();
            let handle = ex.spawn(async move {
                fut.await;
                order.lock().unwrap().push(i);
            });
            (handle, done, waker)
        })
        .collect();
    ex.run_until_stalled();
    let wakers: Vec<_> = probes
        .iter()
        .map(|(_, done, waker)| {
            done.store(true, Ordering::SeqCst);
            waker.lock().unwrap().take().unwrap()
        })
        .collect();
    let waking = ex.spawn(async move {
        for i in [2, 0, 3, 1] {
            wakers[i].wake_by_ref();
        }
    });
    ex.block_on(waking).unwrap();
    for (handle, _, _) in probes {
        ex.block_on(handle).unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [2, 0, 3, 1]);
}

#[test]
#[should_panic(expected = "executor already running")]
fn block_on_inside_one_of_its_own_tasks_panics() {
    let ex = Arc::new(virtual_executor());
    let inner = ex.clone();
    let handle = ex.spawn(async move {
        // Would make two consumers of the executor's queues.
        inner.block_on(async {});
    });
    let _ = ex.block_on(handle);
}

#[test]
fn a_task_that_panics_leaves_an_executor_that_runs_on_and_drops() {
    let ex = virtual_executor();
    let bystander = ex.spawn(async {
        yield_now().await;
        5
    });
    let panicky = ex.spawn(async {
        yield_now().await;
        panic!("task failure");
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ex.run_until_stalled();
    }));
    assert!(caught.is_err(), "the task's panic comes out of the executor");
    assert_eq!(ex.block_on(panicky), Err(JoinError::Aborted));
    assert_eq!(ex.block_on(bystander), Ok(5));
    assert_eq!(ex.stats().live, 0);
    drop(ex); // does not hang on a task left mid-poll
}

#[test]
fn timers_and_the_main_future_run_while_tasks_keep_yielding() {
    let ex = Executor::new(StdPlatform::new());
    let stop = Arc::new(AtomicBool::new(false));
    let spinners: Vec<_> = (0..2)
        .map(|_| {
            let s = stop.clone();
            ex.spawn(async move {
                while !s.load(Ordering::SeqCst) {
                    yield_now().await;
                }
            })
        })
        .collect();
    let start = std::time::Instant::now();
    ex.block_on(sleep(Duration::from_millis(20)));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(2),
        "the timer fired despite the spinners"
    );
    stop.store(true, Ordering::SeqCst);
    for s in spinners {
        ex.block_on(s).unwrap();
    }
}

#[test]
fn spawn_from_another_thread_runs_on_the_executor() {
    let ex = Executor::new(StdPlatform::new());
    let (result_tx, result_rx) = async_core::sync::oneshot::channel();
    let result = std::thread::scope(|scope| {
        let ex = &ex;
        let spawner = scope.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(10));
            // The executor is busy in block_on on the other thread.
            ex.spawn(async move {
                let _ = result_tx.send(std::thread::current().id());
            })
            .detach();
        });
        let ran_on = ex.block_on(result_rx).unwrap();
        spawner.join().unwrap();
        ran_on
    });
    assert_eq!(result, std::thread::current().id(), "the task ran on the executor's thread");
}

#[test]
fn wake_from_another_thread_ends_the_idle_sleep() {
    let ex = Executor::new(StdPlatform::new());
    let (fut, polls, done, waker) = probe();
    let handle = ex.spawn(fut);
    let waker2 = waker.clone();
    let done2 = done.clone();
    let thread = std::thread::spawn(move || {
        loop {
            if let Some(w) = waker2.lock().unwrap().clone() {
                std::thread::sleep(std::time::Duration::from_millis(20));
                done2.store(true, Ordering::SeqCst);
                w.wake();
                return;
            }
            std::thread::yield_now();
        }
    });
    ex.block_on(handle).unwrap();
    thread.join().unwrap();
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

#[test]
fn spawn_and_try_spawn_outside_an_executor() {
    let error = try_spawn(async {}).unwrap_err();
    assert_eq!(error.reason, async_core::SpawnErrorKind::NoExecutor);
    let panic = std::panic::catch_unwind(|| {
        spawn(async {});
    });
    assert!(panic.is_err(), "spawn outside an executor panics");
}

#[test]
fn introspection_names_states_and_counts() {
    let ex = virtual_executor();
    ex.block_on(async {
        let waiting = spawn_named("waiter", std::future::pending::<()>());
        let ready = spawn_named("ready", async {});
        let _ = ready.id();
        yield_now().await;
        let ready2 = spawn_named("queued", async {});
        let tasks = async_core::tasks();
        let waiter = tasks.iter().find(|t| t.name == Some("waiter")).unwrap();
        assert_eq!(waiter.state, TaskState::Waiting);
        assert_eq!(waiter.polls, 1);
        assert_eq!(waiter.id, waiting.id());
        let queued = tasks.iter().find(|t| t.name == Some("queued")).unwrap();
        assert_eq!(queued.state, TaskState::Ready);
        assert_eq!(queued.polls, 0);
        assert!(tasks.iter().all(|t| t.name != Some("ready")), "finished tasks are not listed");
        assert!(waiter.allocation_size >= 48);
        waiting.abort();
        ready2.await.unwrap();
    });
    let stats = ex.stats();
    assert_eq!(stats.spawned, 3);
    assert_eq!(stats.finished, 3);
    assert_eq!(stats.live, 0);
}

#[test]
fn a_running_task_sees_itself_running() {
    let ex = virtual_executor();
    let state = ex.block_on(async {
        spawn_named("self", async {
            async_core::tasks().into_iter().find(|t| t.name == Some("self")).unwrap().state
        })
        .await
        .unwrap()
    });
    assert_eq!(state, TaskState::Running);
}

#[test]
fn a_bounded_snapshot_lists_the_first_tasks_and_counts_all() {
    let ex = virtual_executor();
    let handles: Vec<_> = (0..10).map(|_| ex.spawn(sleep(Duration::from_secs(1)))).collect();
    let (first, total) = ex.task_snapshot(3);
    assert_eq!(total, 10);
    assert_eq!(first.len(), 3);
    let all = ex.tasks();
    assert_eq!(all.len(), 10);
    let ids: Vec<_> = first.iter().map(|t| t.id).collect();
    assert_eq!(ids, all.iter().take(3).map(|t| t.id).collect::<Vec<_>>());
    let (none, total) = ex.task_snapshot(0);
    assert!(none.is_empty());
    assert_eq!(total, 10);
    assert_eq!(ex.task_snapshot(100).0.len(), 10);
    drop(handles);
}

static LONG_POLLS: Mutex<Vec<(Option<&'static str>, Duration)>> = Mutex::new(Vec::new());

#[test]
fn long_polls_are_reported_with_the_task_name() {
    let platform = VirtualTimePlatform::install(1_000_000);
    let clock = platform.clock().clone();
    let ex = Executor::new(platform);
    ex.set_long_poll(Duration::from_millis(10), |task, took| {
        LONG_POLLS.lock().unwrap().push((task.name, took));
    });
    ex.block_on(async move {
        spawn_named("hog", async move {
            clock.advance(Duration::from_millis(25)); // a poll that "takes" 25 ms
        })
        .await
        .unwrap();
        spawn_named("quick", async {}).await.unwrap();
    });
    let reports = LONG_POLLS.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].0, Some("hog"));
    assert!(reports[0].1 >= Duration::from_millis(25));
    assert_eq!(ex.stats().long_polls, 1);
}

static TIMER_BLAME: Mutex<Vec<(Option<&'static str>, Duration)>> = Mutex::new(Vec::new());

#[test]
fn firing_timers_is_not_blamed_on_the_next_task() {
    let platform = VirtualTimePlatform::install(1_000_000);
    let clock = platform.clock().clone();
    let ex = Executor::new(platform);
    ex.set_long_poll(Duration::from_millis(10), |task, took| {
        TIMER_BLAME.lock().unwrap().push((task.name, took));
    });
    /// A waker that is slow to wake: it moves the virtual clock 25 ms on.
    struct SlowWake(async_core::time::Duration, Arc<dyn Fn(Duration) + Send + Sync>);
    impl std::task::Wake for SlowWake {
        fn wake(self: Arc<Self>) {
            (self.1)(self.0);
        }
    }
    let advance: Arc<dyn Fn(Duration) + Send + Sync> = Arc::new(move |d| clock.advance(d));
    ex.block_on(async move {
        // Two timers due at the same instant: the slow one fires first, then
        // the worker's; the worker's poll itself takes no time.
        let mut slow = Box::pin(sleep(Duration::from_millis(1)));
        let waker = Waker::from(Arc::new(SlowWake(Duration::from_millis(25), advance)));
        assert!(slow.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        spawn_named("worker", sleep(Duration::from_millis(1))).await.unwrap();
        drop(slow);
    });
    let reports = TIMER_BLAME.lock().unwrap();
    assert!(reports.is_empty(), "{reports:?}");
}

#[test]
fn a_fired_sleep_dropped_late_leaves_the_timers_that_reused_its_slot_alone() {
    let ex = virtual_executor();
    let finished = ex.block_on(async {
        // `early` registers its timer, which then fires (freeing its slot)
        // while nobody polls `early` again.
        let mut early = Box::pin(sleep(Duration::from_millis(1)));
        assert!(early.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
        sleep(Duration::from_millis(2)).await;
        // Two new timers take the freed slots, one of them `early`'s.
        let first = spawn(sleep(Duration::from_millis(5)));
        let second = spawn(sleep(Duration::from_millis(6)));
        yield_now().await;
        // Dropping the fired sleep now must not remove either of them.
        drop(early);
        async_core::time::timeout(Duration::from_millis(50), async {
            first.await.unwrap();
            second.await.unwrap();
        })
        .await
    });
    assert!(finished.is_ok(), "a sleeper never woke: its timer was removed by a stale handle");
}

#[test]
fn a_thousand_timers_due_together_do_not_hold_up_a_woken_task() {
    let ex = virtual_executor();
    let seen = ex.block_on(async {
        let done = Arc::new(AtomicUsize::new(0));
        let canary_wake = Arc::new(async_core::sync::Notify::new());
        let canary = {
            let (done, wake) = (done.clone(), canary_wake.clone());
            spawn(async move {
                wake.notified().await;
                done.load(Ordering::SeqCst)
            })
        };
        let deadline = async_core::time::Instant::now() + Duration::from_millis(5);
        let sleepers: Vec<_> = (0..1000)
            .map(|i| {
                let (done, wake) = (done.clone(), canary_wake.clone());
                spawn(async move {
                    async_core::time::sleep_until(deadline).await;
                    done.fetch_add(1, Ordering::SeqCst);
                    if i == 0 {
                        wake.notify_one();
                    }
                })
            })
            .collect();
        let seen = canary.await.unwrap();
        for s in sleepers {
            s.await.unwrap();
        }
        seen
    });
    // The canary, woken by the first sleeper, runs after at most a couple of
    // batches, not after all 1,000 timers have fired and their tasks run.
    assert!(seen <= 2 * async_core::BATCH, "the canary ran after {seen} sleepers");
}

#[test]
fn dropping_the_executor_aborts_live_tasks() {
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let handle;
    {
        let ex = virtual_executor();
        for _ in 0..10 {
            let d = dropped.clone();
            ex.spawn(async move {
                let _g = Guard(d);
                std::future::pending::<()>().await;
            })
            .detach();
        }
        let d = dropped.clone();
        handle = ex.spawn(async move {
            let _g = Guard(d);
            sleep(Duration::from_secs(3600)).await;
        });
        ex.run_until_stalled();
        assert_eq!(dropped.load(Ordering::SeqCst), 0);
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 11);
    assert!(handle.is_finished());
}

/// 10,000 natively; fewer under Miri, which runs this ~1000x slower.
const TASKS: u64 = if cfg!(miri) { 200 } else { 10_000 };

#[test]
fn ten_thousand_tasks_spawn_and_join() {
    let ex = virtual_executor();
    let total = ex.block_on(async {
        let handles: Vec<_> = (0..TASKS).map(|i| spawn(async move { i })).collect();
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, (0..TASKS).sum());
    assert_eq!(ex.stats().live, 0);
}

#[test]
fn the_coop_budget_makes_an_always_ready_task_yield() {
    use async_core::coop;
    let ex = virtual_executor();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    // A task whose "I/O" is always ready: without the budget it would never
    // return Pending and the other task would never run.
    let busy = ex.spawn(async move {
        let mut ops = 0u64;
        while !s.load(Ordering::SeqCst) {
            poll_fn(coop::poll_proceed).await;
            ops += 1;
        }
        ops
    });
    let other = ex.spawn(async move {
        stop.store(true, Ordering::SeqCst);
    });
    ex.block_on(other).unwrap();
    let ops = ex.block_on(busy).unwrap();
    assert!(ops <= u64::from(coop::BUDGET) + 1, "yielded after its budget ({ops} ops)");
}

#[test]
fn a_costly_operation_spends_more_of_the_budget() {
    use async_core::coop;
    let ex = virtual_executor();
    let ops = ex.block_on(async {
        spawn(async {
            let mut ops = 0u32;
            // Each costs 8 units: 16 fit in one turn, the 17th must yield.
            loop {
                let before = coop::remaining();
                poll_fn(|cx| coop::poll_proceed_cost(cx, 8)).await;
                ops += 1;
                if coop::remaining() > before {
                    return ops; // a new turn began: we yielded once
                }
            }
        })
        .await
        .unwrap()
    });
    assert_eq!(ops, coop::BUDGET / 8 + 1);
}

// ---- A task that wakes itself is re-queued while keeping RUNNING ----------

/// Drops count into `dropped`.
struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_yielding_task_left_queued_when_its_executor_drops_reports_aborted() {
    let ex = virtual_executor();
    let handle = ex.spawn(async {
        loop {
            yield_now().await;
        }
    });
    // One poll: it yields and is back in the queue, still marked running.
    ex.block_on(async { yield_now().await });
    drop(ex);
    assert!(handle.is_finished());
    assert_eq!(virtual_executor().block_on(handle), Err(JoinError::Aborted));
}

#[test]
fn a_task_aborted_after_yielding_is_not_polled_again() {
    let ex = virtual_executor();
    let dropped = Arc::new(AtomicUsize::new(0));
    let polls = Arc::new(AtomicUsize::new(0));
    let (d, p) = (dropped.clone(), polls.clone());
    let handle = ex.spawn(async move {
        let _g = DropCount(d);
        loop {
            p.fetch_add(1, Ordering::SeqCst);
            yield_now().await;
        }
    });
    // One poll: it yields and is back in the queue, still marked running.
    ex.block_on(async { yield_now().await });
    let before = polls.load(Ordering::SeqCst);
    assert!(before >= 1);
    handle.abort();
    assert_eq!(dropped.load(Ordering::SeqCst), 0, "queued: dropped when the executor takes it");
    ex.run_until_stalled();
    assert_eq!(polls.load(Ordering::SeqCst), before, "not polled after the abort");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(ex.block_on(handle), Err(JoinError::Aborted));
    assert_eq!(ex.stats().live, 0);
}

#[test]
fn dropping_the_executor_drops_tasks_that_yielded() {
    let dropped = Arc::new(AtomicUsize::new(0));
    {
        let ex = virtual_executor();
        for _ in 0..3 {
            let d = dropped.clone();
            ex.spawn(async move {
                let _g = DropCount(d);
                loop {
                    yield_now().await;
                }
            })
            .detach();
        }
        // Each yielding task has been polled and re-queued at least once.
        ex.block_on(async {
            for _ in 0..3 {
                yield_now().await;
            }
        });
        assert_eq!(dropped.load(Ordering::SeqCst), 0);
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}

#[test]
fn a_task_that_yielded_is_listed_as_ready() {
    let ex = virtual_executor();
    ex.spawn_named("spinner", async {
        loop {
            yield_now().await;
        }
    })
    .detach();
    let (spinner, me) = ex.block_on(async {
        spawn_named("looker", async {
            yield_now().await; // the spinner has run and re-queued itself
            let tasks = async_core::tasks();
            let state = |n| tasks.iter().find(|t| t.name == Some(n)).unwrap().state;
            (state("spinner"), state("looker"))
        })
        .await
        .unwrap()
    });
    assert_eq!((spinner, me), (TaskState::Ready, TaskState::Running));
}

#[test]
fn a_self_wake_by_value_or_through_a_clone_is_not_lost() {
    let ex = virtual_executor();
    let polls = ex.block_on(async {
        spawn(async {
            let mut polls = 0;
            poll_fn(|cx| {
                polls += 1;
                match polls {
                    1 => {
                        // Wake by value: the clone's reference is used up.
                        let w = cx.waker().clone();
                        w.wake();
                    }
                    2 => cx.waker().wake_by_ref(),
                    3 => {
                        let w = cx.waker().clone();
                        w.wake_by_ref();
                    }
                    _ => return Poll::Ready(()),
                }
                Poll::Pending
            })
            .await;
            polls
        })
        .await
        .unwrap()
    });
    assert_eq!(polls, 4);
}

#[test]
fn a_nested_executor_does_not_lose_the_outer_tasks_self_wake() {
    let outer = virtual_executor();
    let polls = outer.block_on(async {
        spawn(async {
            let mut polls = 0;
            poll_fn(|cx| {
                polls += 1;
                if polls == 1 {
                    cx.waker().wake_by_ref();
                    // A second executor runs a task to completion on this
                    // thread in the middle of our poll.
                    let inner = Executor::new(StdPlatform::new());
                    assert_eq!(inner.block_on(async { spawn(async { 7 }).await.unwrap() }), 7);
                    return Poll::Pending;
                }
                Poll::Ready(())
            })
            .await;
            polls
        })
        .await
        .unwrap()
    });
    assert_eq!(polls, 2, "the wake before the nested executor ran was kept");
}

// ---- The waker an executor lends to each poll ----------------------------

/// Awaits `task` on a virtual-time executor, failing if it is not woken: a
/// lost wake leaves nothing ready, so virtual time jumps to the timeout at
/// once instead of the test hanging.
async fn join_unless_lost<T>(task: async_core::JoinHandle<T>, what: &str) -> T {
    async_core::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap_or_else(|_| panic!("{what} was never woken"))
        .unwrap()
}

#[test]
fn the_lent_waker_wakes_its_task_from_a_scoped_thread() {
    let ex = virtual_executor();
    let polls = ex.block_on(async {
        let task = spawn(async {
            let mut polls = 0;
            poll_fn(|cx| {
                polls += 1;
                if polls == 1 {
                    // The lent waker itself goes to another thread, which
                    // wakes through it while this poll is still running.
                    let waker = cx.waker();
                    std::thread::scope(|s| {
                        s.spawn(|| waker.wake_by_ref());
                    });
                    return Poll::Pending;
                }
                Poll::Ready(())
            })
            .await;
            polls
        });
        join_unless_lost(task, "the task").await
    });
    assert_eq!(polls, 2);
}

#[test]
fn a_clone_of_the_lent_waker_made_on_another_thread_wakes_its_task_later() {
    let ex = virtual_executor();
    let stash: WakerSlot = Arc::new(Mutex::new(None));
    let polls = Arc::new(AtomicUsize::new(0));
    let (task_stash, task_polls) = (stash.clone(), polls.clone());
    let task = ex.spawn(poll_fn(move |cx| {
        if task_polls.fetch_add(1, Ordering::SeqCst) == 0 {
            let waker = cx.waker();
            let clone = std::thread::scope(|s| s.spawn(|| waker.clone()).join().unwrap());
            *task_stash.lock().unwrap() = Some(clone);
            return Poll::Pending; // no wake yet: it comes from the stash
        }
        Poll::Ready(())
    }));
    ex.block_on(async {
        while stash.lock().unwrap().is_none() {
            yield_now().await;
        }
        assert_eq!(polls.load(Ordering::SeqCst), 1, "not polled again before the wake");
        let waker = stash.lock().unwrap().take().unwrap();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        join_unless_lost(task, "the task").await;
    });
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_wake_through_the_outer_lent_waker_during_a_nested_executor_reaches_the_outer_task() {
    let outer = virtual_executor();
    let (inner_polls, outer_polls) = outer.block_on(async {
        let task = spawn(async {
            let mut outer_polls = 0;
            let inner_polls = Arc::new(AtomicUsize::new(0));
            poll_fn(|cx| {
                outer_polls += 1;
                if outer_polls > 1 {
                    return Poll::Ready(());
                }
                let inner_running = Arc::new(AtomicBool::new(false));
                let woken = Arc::new(AtomicBool::new(false));
                let waker = cx.waker();
                std::thread::scope(|s| {
                    // Wakes the outer task through its lent waker while a
                    // task of the inner executor is the one being polled.
                    s.spawn(|| {
                        while !inner_running.load(Ordering::SeqCst) {
                            std::thread::yield_now();
                        }
                        waker.wake_by_ref();
                        woken.store(true, Ordering::SeqCst);
                    });
                    let inner = Executor::new(StdPlatform::new());
                    let (counted, running, woke) =
                        (inner_polls.clone(), inner_running.clone(), woken.clone());
                    inner.block_on(async {
                        spawn(poll_fn(move |_| {
                            counted.fetch_add(1, Ordering::SeqCst);
                            running.store(true, Ordering::SeqCst);
                            while !woke.load(Ordering::SeqCst) {
                                std::thread::yield_now();
                            }
                            Poll::Ready(())
                        }))
                        .await
                        .unwrap()
                    });
                });
                Poll::Pending
            })
            .await;
            (inner_polls.load(Ordering::SeqCst), outer_polls)
        });
        join_unless_lost(task, "the outer task").await
    });
    assert_eq!(inner_polls, 1, "the inner task was not woken by the outer task's waker");
    assert_eq!(outer_polls, 2, "the outer task's wake was kept");
}

#[test]
fn a_task_that_replaces_its_context_leaves_the_next_tasks_alone() {
    let ex = virtual_executor();
    let value = ex.block_on(async {
        // Safe code may overwrite the Context it is handed.
        spawn(poll_fn(|cx| {
            *cx = Context::from_waker(Waker::noop());
            Poll::Ready(())
        }))
        .await
        .unwrap();
        // A task after it still wakes itself through the executor's waker.
        let yielding = spawn(async {
            for _ in 0..3 {
                yield_now().await;
            }
            7
        });
        join_unless_lost(yielding, "the yielding task").await
    });
    assert_eq!(value, 7);
}

#[test]
fn outside_an_executor_the_coop_budget_never_runs_out() {
    use async_core::coop;
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..coop::BUDGET * 4 {
        assert_eq!(coop::poll_proceed(&mut cx), Poll::Ready(()));
    }
}

#[test]
fn polls_are_timed_only_while_poll_timing_is_on() {
    let platform = VirtualTimePlatform::install(1_000_000);
    let clock = platform.clock().clone();
    let ex = Executor::new(platform);
    assert!(!ex.stats().poll_timing, "off by default");
    let slow_poll = move || {
        let clock = clock.clone();
        spawn_named("slow", async move { clock.advance(Duration::from_millis(3)) })
    };
    let run_slow = |ex: &Executor| {
        let spawn_slow = slow_poll.clone();
        ex.block_on(async move { spawn_slow().await.unwrap() });
    };
    run_slow(&ex);
    assert_eq!(ex.stats().long_polls, 0);
    ex.set_long_poll(Duration::from_millis(1), |_, _| {});
    assert!(ex.stats().poll_timing, "set_long_poll switches timing on");
    run_slow(&ex);
    assert_eq!(ex.stats().long_polls, 1, "the 3 ms poll was timed and reported");
    ex.set_poll_timing(false);
    run_slow(&ex);
    assert_eq!(ex.stats().long_polls, 1, "not timed while off");
}
