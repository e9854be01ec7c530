//! The in-kernel figures of `make bench`, in deterministic virtual time (the
//! runner's `icount`: one instruction = 1 ns, so nanoseconds here are
//! instructions). Each is printed as `FIGURE name value unit`, which
//! `make bench` turns into rows of target/bench/results.csv; as a test it
//! checks that every figure is produced and that 100,000 sleeping tasks fit.
//!
//! * `irq_bare_floor`: timer deadline to a bare handler that only records
//!   the time and acknowledges (the least an interrupt can cost here);
//! * `irq_to_task`: timer deadline to the woken task's poll, through the
//!   executor's timer interrupt (`bench`'s timer wake latency);
//! * `yield_round_trip`: task A yields, task B runs (and yields), A runs
//!   again — two task switches;
//! * `spawn_join_one`, `ping_pong_round_trip`: the shell's `bench`;
//! * `sleep_1ms_lateness`: mean lateness of `sleep(1 ms)`;
//! * `bytes_per_sleeping_task`: heap per task with 100,000 tasks asleep
//!   (every timer armed), future included (`executor_overhead_per_task`:
//!   without it).
//!
//! Resolution: figures timed by the generic counter (the interrupt ones, the
//! sleep) are multiples of its tick, 16 ns at QEMU's 62.5 MHz.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::arch::{cpu, timer};
use kernel::executor::{self, block_on, spawn, yield_now};
use kernel::mem::heap;
use kernel::time::{Duration, Instant, sleep};
use kernel::{bench, board, irq, println};

kernel::test_spec!("icount", "timeout 120");
kernel::test_kernel!(
    irq_bare_floor_before_the_executor_claims_the_timer,
    executor_figures,
    a_hundred_thousand_sleeping_tasks
);

/// Prints one figure on a line of its own (the harness's "test ..." line
/// stays open while a test runs).
fn figure(name: &str, value: u64, unit: &str) {
    println!("\nFIGURE {name} {value} {unit}");
}

fn ticks_to_ns(ticks: u64) -> u64 {
    hw_formats::counter::ticks_to_nanos(ticks, cpu::counter_frequency())
}

static HANDLED_AT: AtomicU64 = AtomicU64::new(0);

/// The bare handler: note the time, acknowledge.
fn bare_handler(_line: irq::IrqLine) {
    HANDLED_AT.store(cpu::counter(), Ordering::SeqCst);
    timer::cancel();
}

fn irq_bare_floor_before_the_executor_claims_the_timer() {
    const ROUNDS: u64 = 20;
    irq::register(board::irq::TIMER, bare_handler).expect("the timer line is still free");
    irq::enable(board::irq::TIMER);
    let mut total = 0;
    for _ in 0..ROUNDS {
        HANDLED_AT.store(0, Ordering::SeqCst);
        let deadline = cpu::counter() + cpu::counter_frequency() / 10_000;
        timer::set_deadline(deadline);
        while HANDLED_AT.load(Ordering::SeqCst) == 0 {
            core::hint::spin_loop();
        }
        total += HANDLED_AT.load(Ordering::SeqCst) - deadline;
    }
    irq::disable(board::irq::TIMER);
    irq::unregister(board::irq::TIMER);
    figure("irq_bare_floor", ticks_to_ns(total / ROUNDS), "instructions");
}

fn executor_figures() {
    let results = block_on(bench::run_all());
    let per_op = |name: &str| {
        let r = results.iter().find(|r| r.name == name).expect("bench ran it");
        // The PMU's cycles are instructions under icount; else nanoseconds.
        r.mean_cycles.unwrap_or(r.mean_ps / 1000)
    };
    figure("yield_round_trip", yield_round_trip(), "instructions");
    figure("spawn_join_one", per_op("spawn + join"), "instructions");
    figure("ping_pong_round_trip", per_op("channel ping-pong"), "instructions");
    let wake = results.iter().find(|r| r.name == "timer wake latency").expect("bench ran it");
    figure("irq_to_task", wake.mean_ps / 1000, "instructions");

    const SLEEPS: u32 = 20;
    let late: Duration = block_on(async {
        let mut total = Duration::ZERO;
        for _ in 0..SLEEPS {
            let start = Instant::now();
            sleep(Duration::from_millis(1)).await;
            total += start.elapsed().saturating_sub(Duration::from_millis(1));
        }
        total
    });
    figure("sleep_1ms_lateness", (late / SLEEPS).as_nanos() as u64, "instructions");
}

/// A yields, B runs, back to A: the mean over many round trips. Both are
/// spawned tasks, so the run queue alternates them (the `block_on` future
/// itself is polled only between batches of tasks).
fn yield_round_trip() -> u64 {
    const ROUND_TRIPS: u32 = 10_000;
    static STOP: AtomicBool = AtomicBool::new(false);
    let elapsed = block_on(async {
        let b = spawn(async {
            while !STOP.load(Ordering::Relaxed) {
                yield_now().await;
            }
        });
        let a = spawn(async {
            // Begin on a fresh cooperative budget, with B running.
            yield_now().await;
            let start = Instant::now();
            for _ in 0..ROUND_TRIPS {
                yield_now().await;
            }
            let elapsed = start.elapsed();
            STOP.store(true, Ordering::Relaxed);
            elapsed
        });
        let elapsed = a.await.unwrap();
        b.await.unwrap();
        elapsed
    });
    (elapsed.as_nanos() / u128::from(ROUND_TRIPS)) as u64
}

fn a_hundred_thousand_sleeping_tasks() {
    const TASKS: usize = 100_000;
    let make = || sleep(Duration::from_secs(3600));
    let future_size = core::mem::size_of_val(&make());
    let (spawned, per_task) = block_on(async {
        let mut handles = Vec::with_capacity(TASKS);
        let before = heap::stats().used;
        for _ in 0..TASKS {
            handles.push(spawn(make()));
        }
        // Let every task run once and arm its timer. The main future is
        // polled between batches of tasks, so it may wake before they have
        // all run: it waits until the timer queue holds every one of them
        // (counting earlier would leave most tasks' timers out).
        sleep(Duration::from_millis(1)).await;
        while executor::stats().timers < TASKS {
            sleep(Duration::from_millis(1)).await;
        }
        let per_task = (heap::stats().used - before) / TASKS;
        assert_eq!(executor::stats().timers, TASKS, "every task's timer is armed, no other");
        let spawned = handles.len();
        for handle in &handles {
            handle.abort();
        }
        drop(handles);
        sleep(Duration::from_millis(1)).await;
        (spawned, per_task)
    });
    assert_eq!(spawned, TASKS);
    assert_eq!(heap::stats().failed, 0, "no allocation failed");
    figure("bytes_per_sleeping_task", per_task as u64, "bytes");
    figure("executor_overhead_per_task", (per_task - future_size) as u64, "bytes");
}
