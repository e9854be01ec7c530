//! [`Sleep`]: a future that completes at a deadline; [`wake_at`]: a timer
//! for a waker alone.
//!
//! A `Sleep` carries its own node of the executor's timer queue (see
//! `timer.rs`), so registering a timer allocates nothing and the queue never
//! grows: a sleeping task costs its executor nothing beyond its future. That
//! is why a `Sleep` is `!Unpin`: the queue points at it while it is
//! registered. Pin it to poll it (`.await` does; otherwise `pin!` or
//! `Box::pin`), and its `Drop` takes the node out of the queue.

use super::Instant;
use super::timer::TimerNode;
use crate::context;
use crate::executor::Shared;
use crate::loom::Arc;
use crate::loom::atomic::Ordering;
use alloc::boxed::Box;
use core::alloc::Layout;
use core::future::Future;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use core::time::Duration;

/// Waits until `duration` has passed (measured from now).
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, executor: None, node: TimerNode::new() }
}

/// Wakes `waker` once the clock reaches `deadline`, without a future to own
/// the timer (for foreign timer APIs such as embassy-time's driver interface).
/// Each call adds a timer (in a small allocation of its own); it is gone once
/// it fires. Outside an executor, or if that allocation fails, the waker is
/// woken at once (the caller re-checks its deadline and asks again: correct,
/// only busier).
pub fn wake_at(deadline: Instant, waker: &Waker) {
    if Instant::now() >= deadline {
        waker.wake_by_ref();
        return;
    }
    let Some(executor) = context::current() else {
        waker.wake_by_ref();
        return;
    };
    let Some(owner) = DetachedTimer::allocate(waker) else {
        waker.wake_by_ref();
        return;
    };
    let ticks = deadline.ticks();
    executor.timers.with(|t| {
        // SAFETY: the node is in its own allocation, which never moves and
        // is freed only when the waker queued with it is woken or dropped:
        // by the queue, once the node has left it.
        unsafe { t.insert(&(*owner.as_ptr()).node, ticks, DetachedTimer::waker(owner)) };
        if ticks < executor.next_deadline.load(Ordering::Acquire) {
            executor.next_deadline.store(ticks, Ordering::Release);
        }
    });
}

/// [`wake_at`]'s timer: a queue node and the waker to wake, in an allocation
/// owned by the waker queued with the node (so the queue frees it when it
/// wakes or drops that waker).
struct DetachedTimer {
    node: TimerNode,
    waker: Waker,
}

impl DetachedTimer {
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(Self::clone_waker, Self::wake, Self::wake_by_ref, Self::drop_waker);

    /// A new timer for `waker`, or `None` if the heap is exhausted.
    fn allocate(waker: &Waker) -> Option<NonNull<Self>> {
        // SAFETY: the layout has a non-zero size; the result is checked.
        let memory = NonNull::new(unsafe { alloc::alloc::alloc(Layout::new::<Self>()) })?;
        let memory = memory.cast::<Self>();
        // SAFETY: freshly allocated with this type's layout.
        unsafe { memory.as_ptr().write(Self { node: TimerNode::new(), waker: waker.clone() }) };
        Some(memory)
    }

    /// The waker that owns `this`: waking or dropping it frees the timer.
    fn waker(this: NonNull<Self>) -> Waker {
        // SAFETY: the vtable's functions treat the data pointer as the
        // allocation made by `allocate`, owned by exactly this waker (a clone
        // is a clone of the inner waker, owning nothing here).
        unsafe { Waker::from_raw(RawWaker::new(this.as_ptr().cast_const().cast(), &Self::VTABLE)) }
    }

    /// A clone wakes the same task, but does not own the timer.
    unsafe fn clone_waker(data: *const ()) -> RawWaker {
        // SAFETY: `data` is a live DetachedTimer (its owning waker is alive).
        let inner = unsafe { &(*data.cast::<Self>()).waker }.clone();
        let raw = RawWaker::new(inner.data(), inner.vtable());
        core::mem::forget(inner);
        raw
    }

    unsafe fn wake(data: *const ()) {
        // SAFETY: the owning waker is being consumed: the allocation is ours.
        let owner = unsafe { Box::from_raw(data.cast::<Self>().cast_mut()) };
        owner.waker.wake_by_ref();
    }

    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: `data` is a live DetachedTimer (its owning waker is alive).
        unsafe { &(*data.cast::<Self>()).waker }.wake_by_ref();
    }

    unsafe fn drop_waker(data: *const ()) {
        // SAFETY: the owning waker is being dropped: the allocation is ours
        // (made with `Box`'s layout for this type by `allocate`).
        drop(unsafe { Box::from_raw(data.cast::<Self>().cast_mut()) });
    }
}

pin_project_lite::pin_project! {
    /// A future that completes once the clock reaches its deadline — never
    /// earlier. Dropping it before then removes its timer (no stale wake-up,
    /// no leak). It must be polled inside an executor (it registers with the
    /// executor's timer queue), and pinned: the queue points at it while its
    /// timer is registered.
    #[must_use = "futures do nothing unless polled"]
    pub struct Sleep {
        deadline: Instant,
        // The executor whose timer queue the node is in, or was in when it
        // fired (`None`: not registered).
        executor: Option<Arc<Shared>>,
        #[pin]
        node: TimerNode,
    }

    impl PinnedDrop for Sleep {
        // Only a registration needs work; a completed sleep (the wake-up
        // path) has none, and its drop is one test.
        fn drop(this: Pin<&mut Self>) {
            if this.executor.is_some() {
                this.drop_registration();
            }
        }
    }
}

impl Sleep {
    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (re-arming a completed sleep).
    pub fn reset(mut self: Pin<&mut Self>, deadline: Instant) {
        self.as_mut().deregister();
        *self.project().deadline = deadline;
    }

    /// Forgets the timer: nothing to do if it fired (the executor took it
    /// out of the queue then), else it is taken out now. Inlined: it runs on
    /// the path from a timer's interrupt to its task.
    #[inline(always)]
    fn deregister(self: Pin<&mut Self>) {
        let this = self.project();
        if let Some(executor) = this.executor.take() {
            if this.deadline.ticks() <= executor.fired_through.load(Ordering::Acquire) {
                // Fired, and out of the queue with it: nothing to remove.
                return;
            }
            remove_pending(&executor, this.node.into_ref().get_ref());
        }
    }

    #[inline(never)]
    fn drop_registration(self: Pin<&mut Self>) {
        self.deregister();
    }

    /// The deadline is ahead: queues the timer, or updates the waker of the
    /// one queued.
    #[inline(never)]
    fn register(self: Pin<&mut Self>, cx: &mut Context<'_>) {
        let this = self.project();
        let deadline = this.deadline.ticks();
        let node = this.node.into_ref().get_ref();
        let executor: &Shared = match this.executor {
            Some(executor) => executor,
            None => this.executor.insert(
                context::current()
                    .expect("sleep polled outside an executor (no timer queue to register with)"),
            ),
        };
        let replaced = executor.timers.with(|t| {
            // SAFETY: the node is pinned (in this pinned Sleep) and stays
            // alive until it leaves the queue: its Drop takes it out. It is
            // in no queue but `executor`'s, the one recorded with it.
            unsafe {
                if t.is_queued(node) {
                    return t.update_waker(node, cx.waker());
                }
                // New, or fired with the deadline still ahead (the clock
                // changed under us): queued (again).
                t.insert(node, deadline, cx.waker().clone());
            }
            if deadline < executor.next_deadline.load(Ordering::Acquire) {
                executor.next_deadline.store(deadline, Ordering::Release);
            }
            None
        });
        drop(replaced); // outside the lock
    }
}

/// Takes a timer that may not have fired yet out of `executor`'s queue.
#[inline(never)]
fn remove_pending(executor: &Shared, node: &TimerNode) {
    let waker = executor.timers.with(|t| {
        // SAFETY: `node` is alive (borrowed) and in this queue or none (its
        // Sleep records the one queue it was put in).
        let waker = unsafe { t.remove(node) };
        executor.next_deadline.store(t.next_deadline().unwrap_or(u64::MAX), Ordering::Release);
        waker
    });
    drop(waker); // outside the lock
}

impl Future for Sleep {
    type Output = ();

    /// Inlined: the deadline check and the wake-up path are a few
    /// instructions of the path from a timer's interrupt to its task;
    /// registering is not.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.deregister();
            return Poll::Ready(());
        }
        self.register(cx);
        Poll::Pending
    }
}

impl core::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.executor.is_some())
            .finish()
    }
}
