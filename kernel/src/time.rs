//! Kernel time: the ARM generic timer's counter as the async core's clock, and
//! the same clock for code written against `embassy-time`.
//!
//! [`Instant`], [`sleep`], [`Interval`], [`timeout`] and friends are the async
//! core's (`async_core::time`), re-exported: instants are raw CNTPCT_EL0 ticks
//! at the frequency CNTFRQ_EL0 reports, read once at first use — never
//! assumed (62.5 MHz in QEMU, 19.2 MHz on a Pi 3, 54 MHz on a Pi 4).
//!
//! `embassy-time` needs a driver with a fixed tick rate; it is compiled for
//! 1 MHz (microseconds). [`EmbassyTimeDriver`] converts: `now` is the counter
//! in microseconds, and `schedule_wake` puts the waker in this core's timer
//! queue (rounding the deadline up to a counter tick, so it never fires early).

use crate::arch::cpu;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Waker;
use hw_formats::counter;

pub use async_core::time::{
    Duration, Elapsed, Instant, Interval, MissedTickBehavior, Sleep, Timeout, interval,
    interval_at, sleep, sleep_until, timeout, timeout_at,
};

/// The generic timer's counter (CNTPCT_EL0) at CNTFRQ_EL0.
pub struct KernelClock {
    frequency: AtomicU64,
}

impl KernelClock {
    const fn new() -> Self {
        Self { frequency: AtomicU64::new(0) }
    }
}

impl async_core::time::Clock for KernelClock {
    #[inline]
    fn now(&self) -> u64 {
        cpu::counter()
    }

    #[inline]
    fn frequency(&self) -> u64 {
        // Plain load/store (no read-modify-write): usable at any point of boot.
        match self.frequency.load(Ordering::Relaxed) {
            0 => {
                let f = cpu::counter_frequency();
                self.frequency.store(f, Ordering::Relaxed);
                f
            }
            f => f,
        }
    }
}

async_core::global_clock! {
    static KERNEL_CLOCK: KernelClock = KernelClock::new();
}

/// Time since the kernel's first instruction.
pub fn uptime() -> Duration {
    crate::start::uptime()
}

/// Delays on the kernel timer, for drivers written against embedded-hal:
/// the async `DelayNs` sleeps (other tasks run meanwhile); the blocking one
/// spins on the counter (for the rare driver that needs it — it holds the
/// CPU). Both wait at least the requested time: durations become counter
/// ticks rounded up.
///
/// ```ignore
/// use embedded_hal_async::delay::DelayNs;
/// let mut delay = kernel::time::Delay;
/// delay.delay_ms(5).await;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Delay;

impl embedded_hal_async::delay::DelayNs for Delay {
    async fn delay_ns(&mut self, ns: u32) {
        sleep(Duration::from_nanos(ns.into())).await;
    }

    async fn delay_us(&mut self, us: u32) {
        sleep(Duration::from_micros(us.into())).await;
    }

    async fn delay_ms(&mut self, ms: u32) {
        sleep(Duration::from_millis(ms.into())).await;
    }
}

impl embedded_hal::delay::DelayNs for Delay {
    fn delay_ns(&mut self, ns: u32) {
        let ticks = counter::nanos_to_ticks_ceil(ns.into(), cpu::counter_frequency());
        let start = cpu::counter();
        while cpu::counter().wrapping_sub(start) < ticks {
            core::hint::spin_loop();
        }
    }
}

/// `embassy-time`'s driver on the kernel's clock and timer queue.
pub struct EmbassyTimeDriver;

impl embassy_time_driver::Driver for EmbassyTimeDriver {
    fn now(&self) -> u64 {
        let ticks = cpu::counter();
        let frequency = cpu::counter_frequency();
        (ticks as u128 * embassy_time_driver::TICK_HZ as u128 / frequency.max(1) as u128) as u64
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        let frequency = cpu::counter_frequency();
        let nanos = (at as u128 * 1_000_000_000 / embassy_time_driver::TICK_HZ as u128)
            .min(u64::MAX as u128) as u64;
        let deadline = counter::nanos_to_ticks_ceil(nanos, frequency);
        async_core::time::wake_at(Instant::from_ticks(deadline), waker);
    }
}

embassy_time_driver::time_driver_impl!(static EMBASSY_TIME_DRIVER: EmbassyTimeDriver = EmbassyTimeDriver);
