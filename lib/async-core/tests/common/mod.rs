//! Helpers shared by the integration tests.

use async_core::{Executor, VirtualTimePlatform};

/// An executor on a virtual clock at 1 MHz, made this thread's clock.
pub fn virtual_executor() -> Executor {
    Executor::new(VirtualTimePlatform::install(1_000_000))
}

/// Runs `test` on its own thread; fails if it does not finish within 10 s,
/// so a test that would hang (a task left half finished, a lock taken
/// twice) fails instead.
pub fn within_time_limit(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        test();
        done.send(()).unwrap();
    });
    match finished.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(()) => thread.join().unwrap(),
        // The test's own assertion failed: report it.
        Err(_) if thread.is_finished() => std::panic::resume_unwind(thread.join().unwrap_err()),
        Err(_) => panic!("hung (a task left half finished, a lock taken twice?)"),
    }
}
