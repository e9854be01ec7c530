//! The executor as the kernel's scheduler: timers wake tasks in deadline order
//! and never early, the timer's deadline ends WFI and wakes exactly the task
//! that waits for it, timeouts fire, aborting runs destructors at once, intervals do not
//! drift, and futures-util's combinators and embassy-time run on it.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::future::pending;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::executor::{JoinError, block_on, spawn, spawn_named, stats, tasks, yield_now};
use kernel::sync::IrqSafeSpinLock;
use kernel::time::{Duration, Elapsed, Instant, interval, sleep, sleep_until, timeout};

kernel::test_kernel!(
    spawned_tasks_return_their_output,
    thousand_sleepers_wake_in_deadline_order_never_early,
    the_timer_wakes_exactly_the_waiting_task_from_wfi,
    timeout_fires_and_lets_fast_futures_finish,
    aborting_an_idle_task_runs_its_destructors_at_once,
    interval_ticks_stay_on_their_grid,
    futures_util_combinators_run_on_the_executor,
    embassy_time_runs_on_the_kernel_timer,
    hundred_thousand_ping_pong_round_trips,
    hundred_thousand_sleeping_tasks_all_wake_and_leave_no_leak,
);

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn spawned_tasks_return_their_output() {
    let sum = block_on(async {
        let handles: Vec<_> = (0..100u64).map(|i| spawn(async move { i * i })).collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..100u64).map(|i| i * i).sum());
}

fn thousand_sleepers_wake_in_deadline_order_never_early() {
    static WAKES: IrqSafeSpinLock<Vec<(u64, u64)>> = IrqSafeSpinLock::new(Vec::new());
    block_on(async {
        // Deadlines start 100 ms out, so every task has registered its timer
        // before the first one is due.
        let start = Instant::now() + Duration::from_millis(100);
        let mut rng = 0x2545_f491_4f6c_dd1d;
        let handles: Vec<_> = (0..1000)
            .map(|_| {
                let deadline = start + Duration::from_micros(xorshift(&mut rng) % 50_000);
                spawn(async move {
                    sleep_until(deadline).await;
                    let woke = Instant::now();
                    WAKES.lock().push((deadline.ticks(), woke.ticks()));
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    let wakes = WAKES.lock();
    assert_eq!(wakes.len(), 1000);
    for &(deadline, woke) in wakes.iter() {
        assert!(woke >= deadline, "woke {} ticks early", deadline - woke);
    }
    for pair in wakes.windows(2) {
        assert!(pair[0].0 <= pair[1].0, "woken out of deadline order: {pair:?}");
    }
}

fn the_timer_wakes_exactly_the_waiting_task_from_wfi() {
    block_on(async {
        let idle: Vec<_> = (0..5).map(|_| spawn_named("idle", pending::<()>())).collect();
        let sleeper = spawn_named("sleeper", async {
            sleep(Duration::from_millis(5)).await;
        });
        yield_now().await; // every task has been polled once
        let idle_before = stats().idle;
        sleeper.await.unwrap();
        // Nothing else to do for 5 ms: the core slept in WFI until the
        // timer's deadline ended it (no busy polling of the clock).
        let slept = stats().idle - idle_before;
        assert!(slept >= Duration::from_millis(4), "the core slept only {slept:?}");
        for task in tasks().iter().filter(|t| t.name == Some("idle")) {
            assert_eq!(task.polls, 1, "an unrelated task was polled again");
        }
        for handle in idle {
            handle.abort();
            assert_eq!(handle.await, Err(JoinError::Aborted));
        }
    });
}

fn timeout_fires_and_lets_fast_futures_finish() {
    block_on(async {
        let start = Instant::now();
        assert_eq!(timeout(Duration::from_millis(5), pending::<()>()).await, Err(Elapsed));
        assert!(start.elapsed() >= Duration::from_millis(5));
        let fast = timeout(Duration::from_millis(500), async {
            sleep(Duration::from_millis(1)).await;
            7
        });
        assert_eq!(fast.await, Ok(7));
    });
}

fn aborting_an_idle_task_runs_its_destructors_at_once() {
    static DROPPED: AtomicBool = AtomicBool::new(false);
    struct Guard;
    impl Drop for Guard {
        fn drop(&mut self) {
            DROPPED.store(true, Ordering::SeqCst);
        }
    }
    block_on(async {
        let handle = spawn(async {
            let _guard = Guard;
            pending::<()>().await;
        });
        yield_now().await;
        assert!(!DROPPED.load(Ordering::SeqCst), "the task is alive and waiting");
        handle.abort();
        assert!(DROPPED.load(Ordering::SeqCst), "abort dropped the idle task's future at once");
        assert_eq!(handle.await, Err(JoinError::Aborted));
    });
}

fn interval_ticks_stay_on_their_grid() {
    block_on(async {
        // 1/3 ms is a whole number of ticks at no board rate: rounding per tick
        // would drift, the grid must not.
        let period = Duration::from_nanos(333_333);
        let mut ticker = interval(period);
        let first = ticker.tick().await;
        let mut last = 0;
        for n in 1..=20u32 {
            let scheduled = ticker.tick().await;
            // A whole number of periods after the first tick. Without icount,
            // QEMU's clock follows the host's, and a host hiccup longer than
            // a period makes the interval skip a tick (its default): skipped
            // is allowed, shifted off the grid is not.
            let offset = scheduled.duration_since(first).as_nanos();
            let periods = ((offset + period.as_nanos() / 2) / period.as_nanos()) as u32;
            assert_eq!(scheduled, first + period * periods, "tick {n} is off the grid");
            assert!(periods > last, "tick {n} came again");
            last = periods;
            assert!(Instant::now() >= scheduled, "tick {n} early");
        }
    });
}

fn futures_util_combinators_run_on_the_executor() {
    use futures_util::future::{Either, join, join_all, select};
    block_on(async {
        let start = Instant::now();
        join(sleep(Duration::from_millis(3)), sleep(Duration::from_millis(2))).await;
        assert!(start.elapsed() >= Duration::from_millis(3));
        let fast = core::pin::pin!(sleep(Duration::from_millis(1)));
        let slow = core::pin::pin!(pending::<()>());
        assert!(matches!(select(fast, slow).await, Either::Left(_)));
        let results = join_all((0..50u32).map(|i| spawn(async move { i + 1 }))).await;
        assert_eq!(results.into_iter().map(Result::unwrap).sum::<u32>(), (1..=50).sum());
    });
}

fn embassy_time_runs_on_the_kernel_timer() {
    block_on(async {
        let ours = Instant::now();
        let theirs = embassy_time::Instant::now();
        embassy_time::Timer::after_millis(3).await;
        assert!(ours.elapsed() >= Duration::from_millis(3));
        assert!(theirs.elapsed() >= embassy_time::Duration::from_millis(3));
        // Both clocks tick together (µs vs counter ticks).
        let diff = ours.elapsed().as_micros() as i64 - theirs.elapsed().as_micros() as i64;
        assert!(diff.abs() < 1_000, "clocks disagree by {diff} us");
    });
}

fn hundred_thousand_ping_pong_round_trips() {
    use async_core::sync::channel;
    const ROUND_TRIPS: u32 = 100_000;
    let start = Instant::now();
    let last = block_on(async {
        let (to_pong, mut pong_inbox) = channel::channel::<u32>(1);
        let (to_ping, mut ping_inbox) = channel::channel::<u32>(1);
        let pong = spawn(async move {
            while let Some(n) = pong_inbox.recv().await {
                if to_ping.send(n + 1).await.is_err() {
                    break;
                }
            }
        });
        let mut n = 0;
        for _ in 0..ROUND_TRIPS {
            to_pong.send(n).await.unwrap();
            n = ping_inbox.recv().await.unwrap();
        }
        drop(to_pong);
        pong.await.unwrap();
        n
    });
    assert_eq!(last, ROUND_TRIPS, "every message came back incremented");
    kernel::println!("[100000 round trips in {} ms] ", start.elapsed().as_millis());
}

fn hundred_thousand_sleeping_tasks_all_wake_and_leave_no_leak() {
    use core::sync::atomic::AtomicU32;
    use kernel::mem::heap;
    const TASKS: u64 = 100_000;
    static WOKEN: AtomicU32 = AtomicU32::new(0);
    let baseline = heap::stats().used;
    block_on(async {
        let mut handles = Vec::with_capacity(TASKS as usize);
        let start = Instant::now();
        for i in 0..TASKS {
            let deadline = start + Duration::from_millis(1000 + i % 97);
            handles.push(spawn(async move {
                sleep_until(deadline).await;
                assert!(Instant::now() >= deadline);
                WOKEN.fetch_add(1, Ordering::Relaxed);
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(WOKEN.load(Ordering::Relaxed), TASKS as u32);
    assert_eq!(kernel::executor::stats().timers, 0);
    // At most the baseline: the timer queue keeps a small storage when it
    // empties (earlier tests may have left it allocated) but returns the
    // storage of a burst like this one.
    let used = heap::stats().used;
    assert!(used <= baseline, "tasks, timers and handles all freed: {used} > {baseline} bytes");
}
