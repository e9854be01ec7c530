//! The heartbeat: a task that toggles the activity LED every 500 ms, so a
//! board shows at a glance that the kernel is alive and its executor
//! schedules. `info` shows how many beats there have been.
//!
//! On the Pi 4B the LED is GPIO 42 and on the Pi 3B+ and 3A+ GPIO 29; on the
//! Pi 3B it sits behind the firmware's GPIO expander and setting it is best
//! effort (see `drivers::led`: in QEMU the firmware never sets it, and the
//! first failure is logged once). The beat counts either way: it measures
//! the task, not the LED.

use crate::drivers::led::ActivityLed;
use async_core::time::{Duration, interval};
use core::sync::atomic::{AtomicU64, Ordering};

/// Time between two toggles.
pub const PERIOD: Duration = Duration::from_millis(500);

static BEATS: AtomicU64 = AtomicU64::new(0);

/// Toggles done so far.
pub fn beats() -> u64 {
    BEATS.load(Ordering::Relaxed)
}

/// Switches `led` on at once (so a failure is reported before anything else
/// prints), then returns the heartbeat task's future: toggle every
/// [`PERIOD`], forever.
pub fn start(mut led: ActivityLed) -> impl Future<Output = ()> + Send + 'static {
    let _ = led.set(true);
    async move {
        // Missed ticks (after a long poll elsewhere) are skipped, not burst.
        let mut ticks = interval(PERIOD);
        ticks.tick().await; // The first tick is immediate.
        loop {
            ticks.tick().await;
            let _ = led.toggle();
            BEATS.fetch_add(1, Ordering::Relaxed);
        }
    }
}
