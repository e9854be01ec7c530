//! The executor's two queues of ready tasks, both intrusive (the link lives
//! in the task's header, so queueing allocates nothing):
//!
//! * [`RunQueue`], the *inbox*: a lock-free multi-producer single-consumer
//!   FIFO (Dmitry Vyukov's algorithm) for wakes that come from anywhere;
//! * [`ReadyList`]: a plain FIFO that only the executor's loop touches, for
//!   the tasks it re-queues itself (a task that woke itself during its poll)
//!   and the inbox's tasks once it has taken them over. No atomics: the
//!   commonest switch, a task yielding, costs a few loads and stores.
//!
//! The inbox:
//!
//! Producers are wakers, which may run anywhere: in a task, in an interrupt
//! handler, on another core. A push is one atomic swap and one store, never a
//! lock, and allocates nothing: the link lives in the task's header. The only
//! consumer is the executor that owns the queue.
//!
//! A push that is interrupted between its swap and its store leaves the queue
//! briefly "inconsistent": the consumer then sees no next node although the
//! queue is not empty. [`RunQueue::pop`] returns `None` in that window and
//! [`RunQueue::is_empty`] returns `false`, so the executor retries instead of
//! going to sleep.

use crate::loom::UnsafeCell;
use crate::loom::atomic::{AtomicPtr, Ordering};
use core::ptr::{self, NonNull};

/// The link every queueable node starts with (`#[repr(C)]`, first field).
#[repr(C)]
#[derive(Debug)]
pub(crate) struct QueueLink {
    /// The next node while queued; owners may store other data here while the
    /// node is not queued (tasks keep their executor's address in it).
    pub(crate) next: AtomicPtr<QueueLink>,
}

impl QueueLink {
    pub(crate) fn new(next: *mut QueueLink) -> Self {
        Self { next: AtomicPtr::new(next) }
    }
}

/// The run queue. Must not move after [`RunQueue::init`] (it lives in the
/// executor's heap-allocated shared state).
pub(crate) struct RunQueue {
    /// Consumer side: the oldest node (or the stub).
    head: UnsafeCell<*mut QueueLink>,
    /// Producer side: the newest node.
    tail: AtomicPtr<QueueLink>,
    /// Placeholder node that keeps the list non-empty.
    stub: QueueLink,
}

// SAFETY: `head` is only touched by the single consumer (documented on `pop`),
// `tail` and the links are atomics.
unsafe impl Send for RunQueue {}
// SAFETY: as above.
unsafe impl Sync for RunQueue {}

impl RunQueue {
    /// An uninitialised queue; call [`RunQueue::init`] once it is in place.
    pub(crate) fn new() -> Self {
        Self {
            head: UnsafeCell::new(ptr::null_mut()),
            tail: AtomicPtr::new(ptr::null_mut()),
            stub: QueueLink::new(ptr::null_mut()),
        }
    }

    fn stub(&self) -> *mut QueueLink {
        &self.stub as *const QueueLink as *mut QueueLink
    }

    /// Points head and tail at the stub. Call once, before any push or pop,
    /// after the queue has reached its final address.
    pub(crate) fn init(&self) {
        let stub = self.stub();
        self.head.with_mut(|head| {
            // SAFETY: no push or pop can run yet; we are the only accessor.
            unsafe { *head = stub }
        });
        self.tail.store(stub, Ordering::Release);
    }

    /// Appends `node`. Callable from any thread, core or interrupt handler.
    ///
    /// # Safety
    /// `node` must stay valid until popped and must not already be queued.
    pub(crate) unsafe fn push(&self, node: NonNull<QueueLink>) {
        let node = node.as_ptr();
        // SAFETY: the caller guarantees `node` is valid and not queued, so no
        // other producer or the consumer touches its link right now.
        unsafe { (*node).next.store(ptr::null_mut(), Ordering::Relaxed) };
        let previous = self.tail.swap(node, Ordering::AcqRel);
        // SAFETY: `previous` was the tail; nodes stay valid while queued, and
        // only the producer that swapped it out writes its `next`.
        unsafe { (*previous).next.store(node, Ordering::Release) };
    }

    /// Removes the oldest node, or returns `None` if the queue is empty or a
    /// push is half done.
    ///
    /// # Safety
    /// Only one thread (the owning executor) may ever call `pop`.
    pub(crate) unsafe fn pop(&self) -> Option<NonNull<QueueLink>> {
        self.head.with_mut(|head_cell| {
            // SAFETY: single consumer: nobody else reads or writes `head`.
            let head_cell = unsafe { &mut *head_cell };
            let stub = self.stub();
            let mut head = *head_cell;
            // SAFETY: `head` is the stub or a node still in the queue.
            let mut next = unsafe { (*head).next.load(Ordering::Acquire) };
            if head == stub {
                if next.is_null() {
                    return None;
                }
                *head_cell = next;
                head = next;
                // SAFETY: `next` is a queued node.
                next = unsafe { (*next).next.load(Ordering::Acquire) };
            }
            if !next.is_null() {
                *head_cell = next;
                return NonNull::new(head);
            }
            if self.tail.load(Ordering::Acquire) != head {
                return None; // a producer is between its swap and its store
            }
            // `head` is the last node: put the stub behind it so it can leave.
            // SAFETY: the stub is ours and not queued at this point.
            unsafe { self.push(NonNull::new_unchecked(stub)) };
            // SAFETY: `head` is still queued.
            next = unsafe { (*head).next.load(Ordering::Acquire) };
            if !next.is_null() {
                *head_cell = next;
                return NonNull::new(head);
            }
            None
        })
    }

    /// Whether nothing is queued or being queued. Consumer-side; a push that
    /// has started counts as not empty.
    pub(crate) fn is_empty(&self) -> bool {
        let stub = self.stub();
        // SAFETY: reading the consumer-owned head from the consumer thread
        // (this is only called by the owning executor).
        let head = self.head.with(|h| unsafe { *h });
        head == stub
            && self.tail.load(Ordering::Acquire) == stub
            // SAFETY: the stub lives as long as the queue.
            && unsafe { (*stub).next.load(Ordering::Acquire) }.is_null()
    }
}

/// The executor's own FIFO of ready tasks. Only the executor's loop uses it
/// (one thread or core at a time, enforced by the executor), so it is a plain
/// singly linked list through the tasks' links. Must not move after
/// [`ReadyList::init`] (it lives in the executor's heap-allocated state).
pub(crate) struct ReadyList {
    /// A link whose `next` is the oldest node (null when empty).
    head: QueueLink,
    /// The newest node, or `head` when empty: a push always stores into
    /// `tail.next` (`next` is the link's only field), no empty-list branch.
    tail: UnsafeCell<*mut QueueLink>,
}

// SAFETY: only the thread running the executor's loop touches the list (the
// callers' contract on every method); the executor is shared, the list is not.
unsafe impl Send for ReadyList {}
// SAFETY: as above.
unsafe impl Sync for ReadyList {}

impl ReadyList {
    /// An empty list; call [`ReadyList::init`] once it is in place.
    pub(crate) fn new() -> Self {
        Self { head: QueueLink::new(ptr::null_mut()), tail: UnsafeCell::new(ptr::null_mut()) }
    }

    fn head(&self) -> *mut QueueLink {
        &self.head as *const QueueLink as *mut QueueLink
    }

    /// Points the tail at the head; the list must not move afterwards.
    pub(crate) fn init(&self) {
        let head = self.head();
        // SAFETY: called once, before anyone else can see the list.
        self.tail.with_mut(|tail| unsafe { *tail = head });
    }

    /// Appends `node`.
    ///
    /// # Safety
    /// Called from the executor's loop only, after `init`; `node` is live, in
    /// no queue, and stays live until popped.
    #[inline(always)]
    pub(crate) unsafe fn push(&self, node: NonNull<QueueLink>) {
        let node = node.as_ptr();
        // SAFETY: the caller's contract: the node is ours to link, the tail
        // is the head or a queued (live) node, and only this thread touches
        // the list.
        unsafe {
            (*node).next.store(ptr::null_mut(), Ordering::Relaxed);
            self.tail.with_mut(|tail| {
                (**tail).next.store(node, Ordering::Relaxed);
                *tail = node;
            });
        }
    }

    /// Takes the oldest node.
    ///
    /// # Safety
    /// Called from the executor's loop only, after `init`.
    #[inline(always)]
    pub(crate) unsafe fn pop(&self) -> Option<NonNull<QueueLink>> {
        let first = NonNull::new(self.head.next.load(Ordering::Relaxed))?;
        // SAFETY: queued nodes are live; only this thread touches the list.
        let next = unsafe { first.as_ref() }.next.load(Ordering::Relaxed);
        self.head.next.store(next, Ordering::Relaxed);
        if next.is_null() {
            // That was the newest node too.
            let head = self.head();
            // SAFETY: only this thread touches the list.
            self.tail.with_mut(|tail| unsafe { *tail = head });
        }
        Some(first)
    }

    /// Whether the list is empty.
    ///
    /// # Safety
    /// Called from the executor's loop only.
    #[inline(always)]
    pub(crate) unsafe fn is_empty(&self) -> bool {
        self.head.next.load(Ordering::Relaxed).is_null()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::boxed::Box;
    use std::sync::Arc;
    use std::vec::Vec;

    #[repr(C)]
    struct Node {
        link: QueueLink,
        value: usize,
    }

    fn node(value: usize) -> NonNull<QueueLink> {
        let b = Box::new(Node { link: QueueLink::new(ptr::null_mut()), value });
        NonNull::new(Box::into_raw(b) as *mut QueueLink).unwrap()
    }

    unsafe fn take(link: NonNull<QueueLink>) -> usize {
        // SAFETY: every link in these tests is the first field of a boxed Node.
        unsafe { Box::from_raw(link.as_ptr() as *mut Node) }.value
    }

    /// The queue must not move after `init` (it holds pointers to its own
    /// stub): build it in its final place, as the executor does.
    #[test]
    fn fifo_order() {
        let q = Box::new(RunQueue::new());
        q.init();
        assert!(q.is_empty());
        // SAFETY: fresh nodes, single-threaded consumer.
        unsafe {
            assert!(q.pop().is_none());
            for i in 0..5 {
                q.push(node(i));
            }
            assert!(!q.is_empty());
            let got: Vec<usize> = (0..5).map(|_| take(q.pop().unwrap())).collect();
            assert_eq!(got, [0, 1, 2, 3, 4]);
            assert!(q.pop().is_none());
            assert!(q.is_empty());
            q.push(node(9));
            assert_eq!(take(q.pop().unwrap()), 9);
            assert!(q.is_empty());
        }
    }

    #[test]
    fn interleaved_push_pop() {
        let q = Box::new(RunQueue::new());
        q.init();
        // SAFETY: as above.
        unsafe {
            for round in 0..100 {
                q.push(node(round * 2));
                q.push(node(round * 2 + 1));
                assert_eq!(take(q.pop().unwrap()), round * 2);
                assert_eq!(take(q.pop().unwrap()), round * 2 + 1);
            }
            assert!(q.is_empty());
        }
    }

    #[test]
    fn many_producers_one_consumer() {
        let q: Arc<RunQueue> = Arc::new(RunQueue::new());
        q.init();
        // Smaller under Miri, which runs this ~1000x slower.
        const PER_THREAD: usize = if cfg!(miri) { 100 } else { 10_000 };
        let producers: Vec<_> = (0..4)
            .map(|t| {
                let q = q.clone();
                std::thread::spawn(move || {
                    for i in 0..PER_THREAD {
                        // SAFETY: fresh nodes.
                        unsafe { q.push(node(t * PER_THREAD + i)) };
                    }
                })
            })
            .collect();
        let mut seen = std::vec![false; 4 * PER_THREAD];
        let mut last = [None::<usize>; 4];
        let mut count = 0;
        while count < 4 * PER_THREAD {
            // SAFETY: this thread is the only consumer.
            if let Some(link) = unsafe { q.pop() } {
                // SAFETY: nodes come from `node()`.
                let v = unsafe { take(link) };
                let producer = v / PER_THREAD;
                assert!(last[producer].is_none_or(|l| l < v), "per-producer FIFO order");
                last[producer] = Some(v);
                assert!(!seen[v]);
                seen[v] = true;
                count += 1;
            } else {
                std::thread::yield_now();
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        assert!(q.is_empty());
    }

    #[test]
    fn ready_list_is_fifo_and_reusable_after_emptying() {
        let list = Box::new(ReadyList::new());
        list.init();
        // SAFETY: one thread; nodes come from `node()` and are popped before freeing.
        unsafe {
            assert!(list.is_empty() && list.pop().is_none());
            for round in 0..3 {
                for i in 0..4 {
                    list.push(node(round * 10 + i));
                }
                assert!(!list.is_empty());
                let got: Vec<usize> = (0..4).map(|_| take(list.pop().unwrap())).collect();
                assert_eq!(got, [round * 10, round * 10 + 1, round * 10 + 2, round * 10 + 3]);
                assert!(list.is_empty() && list.pop().is_none());
            }
            // Interleaved: a node pushed while others wait goes behind them.
            list.push(node(1));
            list.push(node(2));
            assert_eq!(take(list.pop().unwrap()), 1);
            list.push(node(3));
            assert_eq!(take(list.pop().unwrap()), 2);
            assert_eq!(take(list.pop().unwrap()), 3);
            assert!(list.is_empty());
        }
    }
}
