//! [`Instant`]: a point on the clock, in ticks.

use super::{Duration, frequency, now_ticks};
use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use hw_formats::counter::{duration_to_ticks_ceil, ticks_to_duration};

/// A point in time on this core's clock, in clock ticks since boot.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    ticks: u64,
}

impl Instant {
    /// The earliest instant.
    pub const ZERO: Instant = Instant { ticks: 0 };
    /// An instant that never comes (saturated arithmetic ends here).
    pub const NEVER: Instant = Instant { ticks: u64::MAX };

    /// Now.
    #[inline]
    pub fn now() -> Self {
        Self { ticks: now_ticks() }
    }

    /// The instant at a raw tick count.
    pub const fn from_ticks(ticks: u64) -> Self {
        Self { ticks }
    }

    /// The raw tick count.
    pub const fn ticks(self) -> u64 {
        self.ticks
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    pub fn duration_since(self, earlier: Instant) -> Duration {
        ticks_to_duration(self.ticks.saturating_sub(earlier.ticks), frequency())
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        let ticks = self.ticks.checked_sub(earlier.ticks)?;
        Some(ticks_to_duration(ticks, frequency()))
    }

    /// Time since `self`.
    pub fn elapsed(self) -> Duration {
        Instant::now().duration_since(self)
    }

    /// `self + duration`, or `None` if that is past the end of the clock.
    pub fn checked_add(self, duration: Duration) -> Option<Instant> {
        let ticks = duration_to_ticks_ceil(duration, frequency());
        self.ticks.checked_add(ticks).map(Instant::from_ticks)
    }

    /// `self + duration`, saturating at [`Instant::NEVER`].
    pub fn saturating_add(self, duration: Duration) -> Instant {
        self.checked_add(duration).unwrap_or(Instant::NEVER)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates at [`Instant::NEVER`] rather than overflowing.
    fn add(self, duration: Duration) -> Instant {
        self.saturating_add(duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturates at zero.
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({} ticks)", self.ticks)
    }
}
