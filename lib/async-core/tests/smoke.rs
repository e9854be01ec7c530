//! Quick end-to-end check of the executor on the host.
use async_core::time::{Duration, Instant, sleep};
use async_core::{Executor, StdPlatform, VirtualTimePlatform, spawn, yield_now};

#[test]
fn spawn_join_and_sleep_in_virtual_time() {
    let platform = VirtualTimePlatform::install(62_500_000);
    let executor = Executor::new(platform);
    let result = executor.block_on(async {
        let a = spawn(async { 6 * 7 });
        let b = spawn(async {
            let start = Instant::now();
            sleep(Duration::from_millis(10)).await;
            start.elapsed()
        });
        yield_now().await;
        (a.await.unwrap(), b.await.unwrap())
    });
    assert_eq!(result.0, 42);
    assert!(result.1 >= Duration::from_millis(10), "{:?}", result.1);
    assert_eq!(executor.stats().live, 0);
}

#[test]
fn real_time_sleep() {
    let executor = Executor::new(StdPlatform::new());
    let start = std::time::Instant::now();
    executor.block_on(sleep(Duration::from_millis(20)));
    assert!(start.elapsed() >= std::time::Duration::from_millis(20));
}
