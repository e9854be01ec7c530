//! Time: a monotonic tick counter, [`Instant`], and timer futures —
//! [`sleep`], [`sleep_until`], [`Interval`], [`timeout`].
//!
//! The clock is the machine's: on the kernel the ARM generic timer's counter
//! (CNTPCT_EL0) at the frequency CNTFRQ_EL0 reports, registered with
//! [`global_clock!`](crate::global_clock); on the host a real or virtual clock
//! per thread. Instants are raw ticks, converted to and from [`Duration`] with
//! 128-bit arithmetic (no overflow, no accumulated drift; a duration becomes
//! ticks rounded up, so a timer never fires early).
//!
//! Timers live in the executor's timer queue: an intrusive treap of nodes
//! that the timer futures carry themselves (`timer.rs`), so registering a
//! timer allocates nothing; insert and cancel are O(log n) expected, firing
//! the earliest O(1). The executor fires due timers before each batch of
//! polls, and before it sleeps it tells the platform the
//! earliest deadline, which the kernel programs into the timer comparator.

mod instant;
mod interval;
mod sleep;
mod timeout;
mod timer;

pub use core::time::Duration;
pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until, wake_at};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};
pub(crate) use timer::TimerQueue;

/// A monotonic counter.
pub trait Clock: Send + Sync {
    /// The current tick count.
    fn now(&self) -> u64;
    /// Ticks per second.
    fn frequency(&self) -> u64;
}

/// The current tick count of this core's (thread's) clock.
#[inline]
pub fn now_ticks() -> u64 {
    imp::now()
}

/// Ticks per second of this core's (thread's) clock.
#[inline]
pub fn frequency() -> u64 {
    imp::frequency()
}

/// Registers the kernel's clock: `global_clock!(static NAME: Type = value);`
/// where `Type: Clock`. Needed once in every `no_std` binary using this crate.
#[macro_export]
macro_rules! global_clock {
    (static $name:ident: $ty:ty = $value:expr;) => {
        static $name: $ty = $value;

        #[doc(hidden)]
        #[unsafe(no_mangle)]
        fn __async_core_now_ticks() -> u64 {
            <$ty as $crate::time::Clock>::now(&$name)
        }

        #[doc(hidden)]
        #[unsafe(no_mangle)]
        fn __async_core_ticks_per_second() -> u64 {
            <$ty as $crate::time::Clock>::frequency(&$name)
        }
    };
}

#[cfg(not(feature = "std"))]
mod imp {
    unsafe extern "Rust" {
        fn __async_core_now_ticks() -> u64;
        fn __async_core_ticks_per_second() -> u64;
    }

    #[inline]
    pub(super) fn now() -> u64 {
        // SAFETY: defined by `global_clock!` in the binary; a plain function.
        unsafe { __async_core_now_ticks() }
    }

    #[inline]
    pub(super) fn frequency() -> u64 {
        // SAFETY: as above.
        unsafe { __async_core_ticks_per_second() }
    }
}

#[cfg(feature = "std")]
mod imp {
    use super::Clock;
    use std::cell::RefCell;
    use std::sync::{Arc, OnceLock};

    std::thread_local! {
        static THREAD_CLOCK: RefCell<Option<Arc<dyn Clock>>> = const { RefCell::new(None) };
    }

    fn start() -> std::time::Instant {
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        *START.get_or_init(std::time::Instant::now)
    }

    pub(super) fn now() -> u64 {
        THREAD_CLOCK
            .with(|c| c.borrow().as_ref().map(|c| c.now()))
            .unwrap_or_else(|| start().elapsed().as_nanos() as u64)
    }

    pub(super) fn frequency() -> u64 {
        THREAD_CLOCK.with(|c| c.borrow().as_ref().map(|c| c.frequency())).unwrap_or(1_000_000_000)
    }

    pub(super) fn set(clock: Option<Arc<dyn Clock>>) {
        THREAD_CLOCK.with(|c| *c.borrow_mut() = clock);
    }
}

/// Makes `clock` this thread's clock (`None`: back to real time, in
/// nanoseconds). Host only.
#[cfg(feature = "std")]
pub fn set_thread_clock(clock: Option<std::sync::Arc<dyn Clock>>) {
    imp::set(clock);
}

/// A clock that only moves when told to: deterministic tests on the host.
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct VirtualClock {
    ticks: core::sync::atomic::AtomicU64,
    frequency: u64,
}

#[cfg(feature = "std")]
impl VirtualClock {
    /// A clock at tick 0 running at `frequency` Hz.
    pub fn new(frequency: u64) -> Self {
        Self { ticks: core::sync::atomic::AtomicU64::new(0), frequency }
    }

    /// Moves the clock forward to `ticks` (never backward).
    pub fn advance_to(&self, ticks: u64) {
        self.ticks.fetch_max(ticks, core::sync::atomic::Ordering::SeqCst);
    }

    /// Moves the clock forward by `duration`.
    pub fn advance(&self, duration: Duration) {
        let ticks = hw_formats::counter::duration_to_ticks_ceil(duration, self.frequency);
        self.ticks.fetch_add(ticks, core::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(feature = "std")]
impl Clock for VirtualClock {
    fn now(&self) -> u64 {
        self.ticks.load(core::sync::atomic::Ordering::SeqCst)
    }

    fn frequency(&self) -> u64 {
        self.frequency
    }
}
