//! User code that the async core runs while it holds one of its own locks
//! would deadlock (host) or panic (kernel) if it reached that lock again. A
//! waker's `Drop` is such code: the last reference to a waker may own
//! anything, a timer for instance. So the core drops replaced wakers only
//! after it lets go of its locks. Each test runs with a time limit: a lock
//! taken twice hangs instead of failing.

mod common;

use async_core::time::{Duration, Sleep, sleep};
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use common::{virtual_executor, within_time_limit};

/// A waker that owns a registered timer: dropping its last reference
/// drops the `Sleep`, which takes the timer queue's lock to remove it.
struct OwnsATimer {
    _timer: Mutex<Pin<Box<Sleep>>>,
}

impl Wake for OwnsATimer {
    fn wake(self: Arc<Self>) {}
}

/// A sleep polled once here, so its timer is registered.
async fn registered_sleep() -> Pin<Box<Sleep>> {
    let mut timer = Box::pin(sleep(Duration::from_secs(3600)));
    poll_fn(|cx| {
        assert!(timer.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    timer
}

#[test]
fn a_replaced_timer_waker_is_dropped_outside_the_timer_lock() {
    within_time_limit(|| {
        let ex = virtual_executor();
        ex.block_on(async {
            let owner = Arc::new(OwnsATimer { _timer: Mutex::new(registered_sleep().await) });
            let first_waker = Waker::from(owner.clone());
            let mut sleep = pin!(sleep(Duration::from_secs(3600)));
            // Registered with `first_waker`: the timer queue holds a clone.
            let polled = sleep.as_mut().poll(&mut Context::from_waker(&first_waker));
            assert!(polled.is_pending());
            drop((first_waker, owner));
            // Polled again by this task: the queue's clone is replaced, and
            // dropping it (the last reference) drops the other timer.
            poll_fn(|cx| {
                assert!(sleep.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
        });
        assert_eq!(ex.stats().live, 0);
    });
}
