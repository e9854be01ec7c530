//! [`Interval`]: ticks at a fixed period, without drift.
//!
//! The n-th tick's deadline is `start + n × period`, computed from the start
//! each time (not by adding the period to the previous deadline in ticks,
//! which would accumulate rounding error at clock rates that do not divide
//! the period). What happens when ticks are missed — the task was busy past
//! one or more deadlines — is chosen by [`MissedTickBehavior`].

use super::{Duration, Instant, Sleep, sleep_until};
use alloc::boxed::Box;
use core::future::poll_fn;
use core::pin::Pin;
use core::task::{Context, Poll};

/// What an [`Interval`] does after falling behind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire every missed tick at once, then continue on the original grid.
    Burst,
    /// Start a new grid: the next tick is one period after the late one.
    Delay,
    /// Drop the missed ticks; the next tick is the next point of the original
    /// grid that lies in the future. The default: a periodic job (a heartbeat,
    /// a refresh) wants its rhythm, not a catch-up burst.
    #[default]
    Skip,
}

/// Creates an interval whose first tick is now.
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Creates an interval whose first tick is at `start`.
///
/// # Panics
/// If `period` is zero.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "an interval needs a non-zero period");
    Interval {
        start,
        period,
        n: 0,
        behavior: MissedTickBehavior::default(),
        sleep: Box::pin(sleep_until(start)),
    }
}

/// A stream of ticks at a fixed period.
#[derive(Debug)]
pub struct Interval {
    start: Instant,
    period: Duration,
    /// Index of the next tick on the current grid.
    n: u64,
    behavior: MissedTickBehavior,
    /// Boxed: a `Sleep` must stay where it is while registered, and an
    /// `Interval` may move between ticks.
    sleep: Pin<Box<Sleep>>,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.deadline(self.n);
        let now = Instant::now();
        match self.behavior {
            MissedTickBehavior::Burst => self.n += 1,
            MissedTickBehavior::Delay => {
                self.start = now;
                self.n = 1;
            }
            MissedTickBehavior::Skip => {
                self.n += 1;
                if self.deadline(self.n) <= now {
                    let behind = now.duration_since(self.start).as_nanos() / self.period.as_nanos();
                    self.n = u64::try_from(behind).unwrap_or(u64::MAX).saturating_add(1);
                }
            }
        }
        let next = self.deadline(self.n);
        self.sleep.as_mut().reset(next);
        Poll::Ready(scheduled)
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The missed-tick behaviour.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.behavior
    }

    /// Sets the missed-tick behaviour.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.behavior = behavior;
    }

    fn deadline(&self, n: u64) -> Instant {
        let offset = self.period.checked_mul(u32::try_from(n).unwrap_or(u32::MAX));
        match offset {
            Some(offset) if n <= u32::MAX as u64 => self.start + offset,
            _ => {
                let nanos = self.period.as_nanos().saturating_mul(n as u128);
                let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
                self.start + Duration::new(secs, (nanos % 1_000_000_000) as u32)
            }
        }
    }
}

use core::future::Future as _;
