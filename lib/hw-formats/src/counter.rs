//! Conversions between ARM generic-timer ticks and time.
//!
//! The counter's frequency is whatever CNTFRQ_EL0 says: 62.5 MHz in QEMU,
//! 19.2 MHz on a Pi 3, 54 MHz on a Pi 4. Conversions go through 128-bit
//! intermediates so they neither overflow nor accumulate rounding drift, and a
//! duration turned into ticks rounds up so a deadline is never early.

use core::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Ticks to nanoseconds, rounded down; saturates at `u64::MAX`.
pub const fn ticks_to_nanos(ticks: u64, freq_hz: u64) -> u64 {
    if freq_hz == 0 {
        return 0;
    }
    let nanos = ticks as u128 * NANOS_PER_SEC / freq_hz as u128;
    if nanos > u64::MAX as u128 { u64::MAX } else { nanos as u64 }
}

/// Ticks to a [`Duration`], exact to the nanosecond (rounded down).
pub const fn ticks_to_duration(ticks: u64, freq_hz: u64) -> Duration {
    if freq_hz == 0 {
        return Duration::ZERO;
    }
    let secs = ticks / freq_hz;
    let rem = ticks % freq_hz;
    let nanos = (rem as u128 * NANOS_PER_SEC / freq_hz as u128) as u32;
    Duration::new(secs, nanos)
}

/// A [`Duration`] to ticks, rounded up (so waiting that many ticks is never
/// shorter than the duration); saturates at `u64::MAX`.
pub const fn duration_to_ticks_ceil(duration: Duration, freq_hz: u64) -> u64 {
    let nanos = duration.as_nanos();
    let ticks = (nanos * freq_hz as u128).div_ceil(NANOS_PER_SEC);
    if ticks > u64::MAX as u128 { u64::MAX } else { ticks as u64 }
}

/// Nanoseconds to ticks, rounded up; saturates at `u64::MAX`.
pub const fn nanos_to_ticks_ceil(nanos: u64, freq_hz: u64) -> u64 {
    duration_to_ticks_ceil(Duration::from_nanos(nanos), freq_hz)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATES: [u64; 3] = [62_500_000, 19_200_000, 54_000_000];

    #[test]
    fn whole_units_are_exact_at_every_board_rate() {
        for f in RATES {
            assert_eq!(ticks_to_nanos(f, f), 1_000_000_000);
            assert_eq!(ticks_to_duration(f * 3600, f), Duration::from_secs(3600));
            assert_eq!(duration_to_ticks_ceil(Duration::from_millis(1), f), f / 1000);
            assert_eq!(nanos_to_ticks_ceil(1_000_000_000, f), f);
        }
    }

    #[test]
    fn rounding_directions() {
        // 1 µs at 19.2 MHz is 19.2 ticks: the deadline rounds up to 20.
        assert_eq!(nanos_to_ticks_ceil(1_000, 19_200_000), 20);
        // 1 tick at 19.2 MHz is 52.083 ns: the reading rounds down.
        assert_eq!(ticks_to_nanos(1, 19_200_000), 52);
        // 1 tick at 54 MHz is 18.5 ns.
        assert_eq!(ticks_to_nanos(1, 54_000_000), 18);
        assert_eq!(ticks_to_nanos(1, 62_500_000), 16);
    }

    #[test]
    fn round_trip_is_never_early_and_never_drifts() {
        for f in RATES {
            for nanos in [1, 7, 999, 1_000, 123_456, 1_000_000, 987_654_321, 86_400_000_000_000] {
                let ticks = nanos_to_ticks_ceil(nanos, f);
                let back = ticks_to_nanos(ticks, f);
                assert!(back >= nanos, "{nanos} ns at {f} Hz came back as {back}");
                let one_tick = 1_000_000_000 / f + 1;
                assert!(back - nanos <= one_tick, "{nanos} ns at {f} Hz: off by {}", back - nanos);
            }
        }
    }

    #[test]
    fn no_overflow_at_the_counter_limit() {
        for f in RATES {
            let d = ticks_to_duration(u64::MAX, f);
            assert_eq!(d.as_secs(), u64::MAX / f);
            assert!(ticks_to_nanos(u64::MAX, f) == u64::MAX, "saturates");
            assert_eq!(duration_to_ticks_ceil(Duration::MAX, f), u64::MAX);
        }
        assert_eq!(ticks_to_nanos(5, 0), 0);
        assert_eq!(ticks_to_duration(5, 0), Duration::ZERO);
    }

    #[test]
    fn sums_of_conversions_do_not_drift() {
        // 1000 one-millisecond steps at 19.2 MHz land exactly on one second.
        let f = 19_200_000;
        let step = duration_to_ticks_ceil(Duration::from_millis(1), f);
        assert_eq!(ticks_to_duration(step * 1000, f), Duration::from_secs(1));
    }
}
