//! `kernel::time::Delay` through embedded-hal's traits, as a third-party
//! driver would use it: the async delay sleeps (others run meanwhile), the
//! blocking one spins; both wait at least the requested time.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::executor::{block_on, spawn, yield_now};
use kernel::time::{Delay, Duration, Instant};

kernel::test_kernel!(async_delay_waits_and_lets_others_run, blocking_delay_waits);

async fn wait_async<D: embedded_hal_async::delay::DelayNs>(delay: &mut D) {
    delay.delay_ms(5).await;
    delay.delay_us(300).await;
    delay.delay_ns(1_000).await;
}

fn wait_blocking<D: embedded_hal::delay::DelayNs>(delay: &mut D) {
    delay.delay_us(500);
    delay.delay_ns(2_000);
}

fn async_delay_waits_and_lets_others_run() {
    static OTHER_RAN: AtomicU32 = AtomicU32::new(0);
    block_on(async {
        let other = spawn(async {
            for _ in 0..10 {
                OTHER_RAN.fetch_add(1, Ordering::SeqCst);
                yield_now().await;
            }
        });
        let start = Instant::now();
        wait_async(&mut Delay).await;
        assert!(start.elapsed() >= Duration::from_micros(5_301));
        assert_eq!(OTHER_RAN.load(Ordering::SeqCst), 10, "another task ran during the delay");
        other.await.unwrap();
    });
}

fn blocking_delay_waits() {
    let start = Instant::now();
    wait_blocking(&mut Delay);
    assert!(start.elapsed() >= Duration::from_micros(502));
}
