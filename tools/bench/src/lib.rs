//! The host benchmarks' workloads, once per executor, so that the timed
//! benchmark (`benches/executors.rs`) and the memory count
//! (`src/bin/bytes_per_task.rs`) run exactly the same code.
//!
//! | workload | what one run does | reported per |
//! |---|---|---|
//! | `spawn_join` | spawn [`SPAWN_TASKS`] trivial tasks, await them all | task |
//! | `ping_pong` | two tasks exchange a message [`PING_PONGS`] times over a bounded channel of capacity 1 | round trip |
//! | `yield_storm` | [`YIELD_TASKS`] tasks each yield [`YIELDS`] times | yield |
//! | `timer_churn` | [`TIMER_TASKS`] tasks each sleep a pseudo-random 0-1000 µs (real clock for every system) | task |
//!
//! Each system's workloads are spelled out in full, in the way its own
//! documentation shows, rather than behind a shared abstraction: what is
//! measured is what a user of that system would write.
//!
//! Every system runs single-threaded, as this project's executor does:
//! tokio's current-thread runtime with a `LocalSet`, smol's
//! `LocalExecutor`, futures' `LocalPool`, embassy-executor's std thread-mode
//! executor. Each uses its own channel and timer: async-core's; tokio's;
//! async-channel and async-io's `Timer` (what smol uses) for smol and for
//! futures, which has no timer of its own; embassy-sync's channel for
//! embassy (which runs the workloads it can, see [`embassy_rt`]).

use std::future::Future;
use std::time::Duration;

/// Tasks in one `spawn_join` run.
pub const SPAWN_TASKS: usize = 10_000;
/// Round trips in one `ping_pong` run.
pub const PING_PONGS: usize = 100_000;
/// Tasks in one `yield_storm` run.
pub const YIELD_TASKS: usize = 1_000;
/// Yields per task in one `yield_storm` run.
pub const YIELDS: usize = 1_000;
/// Tasks in one `timer_churn` run.
pub const TIMER_TASKS: usize = 10_000;

/// The sleep of timer task `index`: 0-1000 µs, the same sequence for every system.
pub fn sleep_of(index: usize) -> Duration {
    let mut x = (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 32;
    Duration::from_micros(x % 1001)
}

/// One executor under test.
pub trait System {
    /// Name in the results (`this` for this project).
    const NAME: &'static str;
    /// A fresh runtime (made outside the timed region).
    fn new() -> Self;
    /// `spawn_join`.
    fn spawn_join(&mut self);
    /// `ping_pong`.
    fn ping_pong(&mut self);
    /// `yield_storm`.
    fn yield_storm(&mut self);
    /// `timer_churn`.
    fn timer_churn(&mut self);
    /// Spawns `count` detached [`pending_task`]s (no join handles kept:
    /// only the executor's own bookkeeping counts) and runs until each has
    /// been polled once; returns whatever must live for them to live.
    fn spawn_pending(&mut self, count: usize) -> Box<dyn std::any::Any>;
}

/// Polls of [`pending_task`]s so far: `bytes_per_task` checks that every
/// system polled each task it spawned, once (nothing wakes them).
pub static PENDING_POLLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The task of `bytes_per_task`: a zero-sized future that counts its polls
/// and never finishes (nor asks to be polled again).
pub fn pending_task() -> impl Future<Output = ()> {
    std::future::poll_fn(|_| {
        PENDING_POLLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::task::Poll::Pending
    })
}

/// Yields once (for executors without a `yield_now` of their own).
pub fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
}

pub mod this {
    //! This project's executor (`async-core`) on the host's `StdPlatform`.
    use super::*;
    use async_core::sync::channel;
    use async_core::{Executor, StdPlatform, spawn, yield_now};

    /// async-core's executor, its channel and its timer (real clock).
    pub struct This(Executor);

    impl System for This {
        const NAME: &'static str = "this";
        fn new() -> Self {
            This(Executor::new(StdPlatform::new()))
        }
        fn spawn_join(&mut self) {
            self.0.block_on(async {
                let handles: Vec<_> = (0..SPAWN_TASKS).map(|_| spawn(async {})).collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        }
        fn ping_pong(&mut self) {
            self.0.block_on(async {
                let (to_pong, mut ping_rx) = channel::channel::<u32>(1);
                let (to_ping, mut pong_rx) = channel::channel::<u32>(1);
                let pong = spawn(async move {
                    while let Some(value) = ping_rx.recv().await {
                        if to_ping.send(value + 1).await.is_err() {
                            break;
                        }
                    }
                });
                for i in 0..PING_PONGS as u32 {
                    to_pong.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await, Some(i + 1));
                }
                drop(to_pong);
                pong.await.unwrap();
            });
        }
        fn yield_storm(&mut self) {
            self.0.block_on(async {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        spawn(async {
                            for _ in 0..YIELDS {
                                yield_now().await;
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        }
        fn timer_churn(&mut self) {
            self.0.block_on(async {
                let handles: Vec<_> =
                    (0..TIMER_TASKS).map(|i| spawn(async_core::time::sleep(sleep_of(i)))).collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        }
        fn spawn_pending(&mut self, count: usize) -> Box<dyn std::any::Any> {
            for _ in 0..count {
                drop(self.0.spawn(pending_task()));
            }
            self.0.run_until_stalled();
            Box::new(())
        }
    }
}

pub mod tokio_rt {
    //! tokio: current-thread runtime, tasks on a `LocalSet`.
    use super::*;
    use tokio::task::{LocalSet, spawn_local};

    /// tokio's current-thread runtime, its mpsc channel and its timer.
    pub struct Tokio(tokio::runtime::Runtime);

    impl System for Tokio {
        const NAME: &'static str = "tokio";
        fn new() -> Self {
            Tokio(tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap())
        }
        fn spawn_join(&mut self) {
            LocalSet::new().block_on(&self.0, async {
                let handles: Vec<_> = (0..SPAWN_TASKS).map(|_| spawn_local(async {})).collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        }
        fn ping_pong(&mut self) {
            LocalSet::new().block_on(&self.0, async {
                let (to_pong, mut ping_rx) = tokio::sync::mpsc::channel::<u32>(1);
                let (to_ping, mut pong_rx) = tokio::sync::mpsc::channel::<u32>(1);
                let pong = spawn_local(async move {
                    while let Some(value) = ping_rx.recv().await {
                        if to_ping.send(value + 1).await.is_err() {
                            break;
                        }
                    }
                });
                for i in 0..PING_PONGS as u32 {
                    to_pong.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await, Some(i + 1));
                }
                drop(to_pong);
                pong.await.unwrap();
            });
        }
        fn yield_storm(&mut self) {
            LocalSet::new().block_on(&self.0, async {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        spawn_local(async {
                            for _ in 0..YIELDS {
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        }
        fn timer_churn(&mut self) {
            LocalSet::new().block_on(&self.0, async {
                let handles: Vec<_> = (0..TIMER_TASKS)
                    .map(|i| spawn_local(tokio::time::sleep(sleep_of(i))))
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
        }
        fn spawn_pending(&mut self, count: usize) -> Box<dyn std::any::Any> {
            let local = LocalSet::new();
            let polled = PENDING_POLLS.load(std::sync::atomic::Ordering::Relaxed) + count;
            for _ in 0..count {
                drop(local.spawn_local(pending_task()));
            }
            // A LocalSet polls a bounded number of tasks per turn of the
            // future it runs: yield until every task has been polled.
            self.0.block_on(local.run_until(async {
                while PENDING_POLLS.load(std::sync::atomic::Ordering::Relaxed) < polled {
                    yield_once().await;
                }
            }));
            Box::new(local)
        }
    }
}

pub mod smol_rt {
    //! smol's single-threaded executor (`async-executor`'s `LocalExecutor`).
    use super::*;
    use async_executor::LocalExecutor;

    /// async-executor's `LocalExecutor`, async-channel and async-io's `Timer`.
    pub struct Smol(LocalExecutor<'static>);

    impl System for Smol {
        const NAME: &'static str = "smol";
        fn new() -> Self {
            Smol(LocalExecutor::new())
        }
        fn spawn_join(&mut self) {
            let ex = &self.0;
            futures_lite::future::block_on(ex.run(async {
                let handles: Vec<_> = (0..SPAWN_TASKS).map(|_| ex.spawn(async {})).collect();
                for handle in handles {
                    handle.await;
                }
            }));
        }
        fn ping_pong(&mut self) {
            let ex = &self.0;
            futures_lite::future::block_on(ex.run(async {
                let (to_pong, ping_rx) = async_channel::bounded::<u32>(1);
                let (to_ping, pong_rx) = async_channel::bounded::<u32>(1);
                let pong = ex.spawn(async move {
                    while let Ok(value) = ping_rx.recv().await {
                        if to_ping.send(value + 1).await.is_err() {
                            break;
                        }
                    }
                });
                for i in 0..PING_PONGS as u32 {
                    to_pong.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await, Ok(i + 1));
                }
                drop(to_pong);
                pong.await;
            }));
        }
        fn yield_storm(&mut self) {
            let ex = &self.0;
            futures_lite::future::block_on(ex.run(async {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        ex.spawn(async {
                            for _ in 0..YIELDS {
                                futures_lite::future::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await;
                }
            }));
        }
        fn timer_churn(&mut self) {
            let ex = &self.0;
            futures_lite::future::block_on(ex.run(async {
                let handles: Vec<_> = (0..TIMER_TASKS)
                    .map(|i| {
                        ex.spawn(async move {
                            async_io::Timer::after(sleep_of(i)).await;
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await;
                }
            }));
        }
        fn spawn_pending(&mut self, count: usize) -> Box<dyn std::any::Any> {
            for _ in 0..count {
                self.0.spawn(pending_task()).detach();
            }
            while self.0.try_tick() {}
            Box::new(())
        }
    }
}

pub mod futures_rt {
    //! futures' `LocalPool`.
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    /// futures' `LocalPool`, async-channel (futures' own mpsc has no
    /// capacity-1 bound: it adds one slot per sender) and async-io's `Timer`.
    pub struct Futures(LocalPool);

    impl System for Futures {
        const NAME: &'static str = "futures";
        fn new() -> Self {
            Futures(LocalPool::new())
        }
        fn spawn_join(&mut self) {
            let spawner = self.0.spawner();
            self.0.run_until(async {
                let handles: Vec<_> = (0..SPAWN_TASKS)
                    .map(|_| spawner.spawn_local_with_handle(async {}).unwrap())
                    .collect();
                for handle in handles {
                    handle.await;
                }
            });
        }
        fn ping_pong(&mut self) {
            let spawner = self.0.spawner();
            self.0.run_until(async {
                let (to_pong, ping_rx) = async_channel::bounded::<u32>(1);
                let (to_ping, pong_rx) = async_channel::bounded::<u32>(1);
                let pong = spawner
                    .spawn_local_with_handle(async move {
                        while let Ok(value) = ping_rx.recv().await {
                            if to_ping.send(value + 1).await.is_err() {
                                break;
                            }
                        }
                    })
                    .unwrap();
                for i in 0..PING_PONGS as u32 {
                    to_pong.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await, Ok(i + 1));
                }
                drop(to_pong);
                pong.await;
            });
        }
        fn yield_storm(&mut self) {
            let spawner = self.0.spawner();
            self.0.run_until(async {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        spawner
                            .spawn_local_with_handle(async {
                                for _ in 0..YIELDS {
                                    yield_once().await;
                                }
                            })
                            .unwrap()
                    })
                    .collect();
                for handle in handles {
                    handle.await;
                }
            });
        }
        fn timer_churn(&mut self) {
            let spawner = self.0.spawner();
            self.0.run_until(async {
                let handles: Vec<_> = (0..TIMER_TASKS)
                    .map(|i| {
                        spawner
                            .spawn_local_with_handle(async move {
                                async_io::Timer::after(sleep_of(i)).await;
                            })
                            .unwrap()
                    })
                    .collect();
                for handle in handles {
                    handle.await;
                }
            });
        }
        fn spawn_pending(&mut self, count: usize) -> Box<dyn std::any::Any> {
            let spawner = self.0.spawner();
            for _ in 0..count {
                spawner.spawn_local(pending_task()).unwrap();
            }
            self.0.run_until_stalled();
            Box::new(())
        }
    }
}

pub mod embassy_rt {
    //! embassy-executor on its std backend (`platform-std`, thread mode):
    //! `spawn_join`, `ping_pong`, `yield_storm`. Not `timer_churn` (embassy
    //! timers need an embassy-time driver and timer queue chosen for the whole
    //! binary, which would also change the other systems' binary) nor
    //! `bytes_per_task` (embassy tasks live in static pools, not on the heap).
    //!
    //! Embassy tasks are `#[embassy_executor::task]` functions with static
    //! pools, so each workload has its own task functions sized for it, and
    //! completion is counted instead of joined (embassy has no join handles).
    //! `Executor::run_until` returns once the count is reached; each run uses
    //! a fresh executor (leaked: it must be `'static`).
    use super::*;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use embassy_executor::{Executor, Spawner};
    use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
    use embassy_sync::channel::Channel;

    static DONE: AtomicUsize = AtomicUsize::new(0);
    static PING: Channel<CriticalSectionRawMutex, u32, 1> = Channel::new();
    static PONG: Channel<CriticalSectionRawMutex, u32, 1> = Channel::new();

    fn finished() {
        DONE.fetch_add(1, Ordering::Relaxed);
    }

    fn run_until_done(target: usize, init: impl FnOnce(Spawner)) {
        DONE.store(0, Ordering::Relaxed);
        let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        executor.run_until(init, || DONE.load(Ordering::Relaxed) >= target);
    }

    #[embassy_executor::task(pool_size = SPAWN_TASKS)]
    async fn trivial() {
        finished();
    }

    #[embassy_executor::task]
    async fn ping() {
        for i in 0..PING_PONGS as u32 {
            PING.send(i).await;
            assert_eq!(PONG.receive().await, i + 1);
        }
        PING.send(u32::MAX).await;
        finished();
    }

    #[embassy_executor::task]
    async fn pong() {
        loop {
            let value = PING.receive().await;
            if value == u32::MAX {
                break;
            }
            PONG.send(value + 1).await;
        }
        finished();
    }

    #[embassy_executor::task(pool_size = YIELD_TASKS)]
    async fn yielder() {
        for _ in 0..YIELDS {
            yield_once().await;
        }
        finished();
    }

    /// `spawn_join`: spawn SPAWN_TASKS trivial tasks, run until all finished.
    pub fn spawn_join() {
        run_until_done(SPAWN_TASKS, |spawner| {
            for _ in 0..SPAWN_TASKS {
                spawner.spawn(trivial().expect("pool sized for the workload"));
            }
        });
    }

    /// `ping_pong` over embassy-sync channels of capacity 1.
    pub fn ping_pong() {
        run_until_done(2, |spawner| {
            spawner.spawn(pong().expect("one pong"));
            spawner.spawn(ping().expect("one ping"));
        });
    }

    /// `yield_storm`.
    pub fn yield_storm() {
        run_until_done(YIELD_TASKS, |spawner| {
            for _ in 0..YIELD_TASKS {
                spawner.spawn(yielder().expect("pool sized for the workload"));
            }
        });
    }
}
