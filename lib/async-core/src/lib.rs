//! The kernel's async core: a cooperative executor that is the scheduler,
//! wakers, interrupt-driven reactor slots, time, and synchronisation primitives.
//!
//! Everything here is portable: it compiles for the kernel (`no_std`, with
//! `alloc`) and for the host (feature `std`), where it is unit-tested, checked
//! with `loom` (`make loom`) and run under Miri (`make miri`). What it needs from
//! the machine is small and explicit: a [`Platform`] (how to sleep until
//! something happens, how to wake a sleeping executor) and a
//! [`time::Clock`] (a monotonic tick counter and its frequency).
//!
//! ```ignore
//! let executor = Executor::new(&PLATFORM);
//! executor.block_on(async {
//!     let handle = async_core::spawn(async { 6 * 7 });
//!     async_core::time::sleep(Duration::from_millis(10)).await;
//!     assert_eq!(handle.await, Ok(42));
//! });
//! ```
//!
//! docs/async.md explains how it works, from `.await` down to the interrupt.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod context;
pub mod coop;
mod executor;
mod lock;
mod loom;
#[cfg(all(test, loom))]
mod loom_tests;
mod poll_context;
mod queue;
pub mod reactor;
pub mod sync;
mod table;
mod task;
pub mod time;
mod yield_now;

pub use context::{spawn, spawn_named, stats, tasks, try_spawn};
pub use executor::{BATCH, Executor, ExecutorStats, LongPollHook, Platform, TaskInfo, TaskState};
pub use task::{JoinError, JoinHandle, SpawnError, SpawnErrorKind, TaskId};
pub use yield_now::{YieldNow, yield_now};

#[cfg(feature = "std")]
pub use executor::std_platform::{StdPlatform, VirtualTimePlatform};
