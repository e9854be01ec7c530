//! In-kernel microbenchmarks of the async core, run on the live executor (the
//! shell's `bench` command).
//!
//! Each benchmark repeats one operation many times inside a task and divides:
//!
//! * **yield round trip** — `yield_now().await` with no other task ready: the
//!   task wakes itself, goes to the back of the run queue, returns to the
//!   executor, and is popped and polled again. This is the cost of a context
//!   switch, since a task's saved state is its future.
//! * **spawn + join** — `spawn(async {}).await`: allocate a task, queue it, run
//!   it, hand its output to the waiting task, free it.
//! * **channel ping-pong** — one round trip between two tasks through two
//!   capacity-1 channels: two sends, two receives, two task switches.
//! * **timer wake latency** — `sleep_until(deadline)` 1 ms ahead: how long
//!   after the deadline the task runs again (timer interrupt, executor, poll).
//!
//! Times come from the generic timer; cycles from the PMU's cycle counter
//! when the CPU has one (in QEMU its "cycles" are nanoseconds of virtual
//! time). Results vary with what else runs; `make bench` (docs/performance.md)
//! gives reproducible figures.

use crate::arch::pmu::{self, CycleCounter};
use alloc::vec::Vec;
use async_core::sync::channel;
use async_core::time::{Duration, Instant, sleep_until};
use async_core::{spawn, yield_now};

/// What one benchmark measured.
#[derive(Clone, Copy, Debug)]
pub struct BenchResult {
    /// What was measured.
    pub name: &'static str,
    /// How many times.
    pub iterations: u32,
    /// Mean time per operation, in picoseconds (so that sub-nanosecond
    /// differences survive the division).
    pub mean_ps: u64,
    /// Mean CPU cycles per operation, where the CPU counts them.
    pub mean_cycles: Option<u64>,
    /// Worst single operation in nanoseconds, where measured per operation.
    pub max_ns: Option<u64>,
}

/// Iterations of each benchmark.
const YIELDS: u32 = 10_000;
const SPAWNS: u32 = 2_000;
const ROUND_TRIPS: u32 = 5_000;
const TIMER_WAKES: u32 = 100;

/// Runs every benchmark in turn and returns their results.
pub async fn run_all() -> Vec<BenchResult> {
    let counter = pmu::start_cycle_counter();
    let mut results = Vec::with_capacity(4);
    results.push(measure("yield round trip", YIELDS, counter, yield_round_trips).await);
    results.push(measure("spawn + join", SPAWNS, counter, spawn_joins).await);
    results.push(measure("channel ping-pong", ROUND_TRIPS, counter, channel_round_trips).await);
    results.push(timer_wake_latency(counter).await);
    results
}

/// Times `body(iterations)` as a whole.
async fn measure<F, Fut>(
    name: &'static str,
    iterations: u32,
    counter: Option<CycleCounter>,
    body: F,
) -> BenchResult
where
    F: FnOnce(u32) -> Fut,
    Fut: core::future::Future<Output = ()>,
{
    // Start on a fresh turn, so the cooperative budget of whatever ran
    // before does not run out in the middle.
    yield_now().await;
    let cycles_before = counter.map(|c| c.read());
    let start = Instant::now();
    body(iterations).await;
    let elapsed = start.elapsed();
    let cycles = counter.zip(cycles_before).map(|(c, before)| c.read().wrapping_sub(before));
    let n = u64::from(iterations.max(1));
    BenchResult {
        name,
        iterations,
        mean_ps: nanos(elapsed).saturating_mul(1000) / n,
        mean_cycles: cycles.map(|c| c / n),
        max_ns: None,
    }
}

async fn yield_round_trips(n: u32) {
    for _ in 0..n {
        yield_now().await;
    }
}

async fn spawn_joins(n: u32) {
    for i in 0..n {
        let handle = spawn(async move { i });
        let _ = handle.await;
    }
}

async fn channel_round_trips(n: u32) {
    let (ping_tx, mut ping_rx) = channel::channel::<u32>(1);
    let (pong_tx, mut pong_rx) = channel::channel::<u32>(1);
    let echo = spawn(async move {
        while let Some(value) = ping_rx.recv().await {
            if pong_tx.send(value).await.is_err() {
                break;
            }
        }
    });
    for i in 0..n {
        if ping_tx.send(i).await.is_err() || pong_rx.recv().await != Some(i) {
            break;
        }
    }
    drop(ping_tx);
    let _ = echo.await;
}

/// Sleeps to deadlines 1 ms apart and records how late each wake is.
async fn timer_wake_latency(counter: Option<CycleCounter>) -> BenchResult {
    let _ = counter;
    let mut total = Duration::ZERO;
    let mut worst = Duration::ZERO;
    for _ in 0..TIMER_WAKES {
        let deadline = Instant::now() + Duration::from_millis(1);
        sleep_until(deadline).await;
        let late = Instant::now().duration_since(deadline);
        total += late;
        worst = worst.max(late);
    }
    BenchResult {
        name: "timer wake latency",
        iterations: TIMER_WAKES,
        mean_ps: nanos(total).saturating_mul(1000) / u64::from(TIMER_WAKES),
        mean_cycles: None,
        max_ns: Some(nanos(worst)),
    }
}

/// A duration in nanoseconds as u64 (u128 division would link kilobytes of
/// support code; 584 years is plenty).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
