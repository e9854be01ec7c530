//! [`Waiters`]: the FIFO list of tasks blocked on a synchronisation
//! primitive, and [`WakeBatch`], how notifiers carry wakers out of the lock.
//!
//! The list is a slab of slots (a `Vec`) threaded into a doubly linked list by
//! index, plus a free list of unused slots, so register, cancel and
//! notify-one are O(1) (registration amortised: the slab grows, never
//! shrinks). A waiting future owns its slot through a [`WaiterId`]:
//!
//! ```text
//!   register ──► Waiting ──notify──► Notified ──remove──► Free
//!                   │                                      ▲
//!                   └──────────────remove──────────────────┘
//! ```
//!
//! A notification unlinks the slot from the queue and marks it `Notified`
//! but keeps it allocated, so the owner can tell, when it is polled or
//! dropped, that it was handed something (a permit, a buffer slot, a wake-up)
//! and, if it is dropped instead of completing, pass that on. Only the owner
//! frees its slot (`remove`), so a `WaiterId` never names somebody else's slot.
//!
//! Every list lives inside a primitive's [`Lock`](crate::lock::Lock). The
//! wakers notified under the lock are returned to the caller, which wakes
//! them after releasing it (a [`WakeBatch`] for many).

use alloc::vec::Vec;
use core::mem;
use core::task::Waker;

/// Index meaning "no slot".
const NIL: u32 = u32::MAX;

/// How many wakers a [`WakeBatch`] carries out of the lock at a time.
pub(crate) const BATCH: usize = 16;

/// Names one registration in a [`Waiters`] list. Deliberately neither `Copy`
/// nor `Clone`: the owning future holds the only one and gives it back to
/// [`Waiters::remove`].
#[derive(Debug)]
pub(crate) struct WaiterId(u32);

enum Slot<T> {
    Free { next_free: u32 },
    Waiting { prev: u32, next: u32, seq: u64, waker: Waker, data: T },
    Notified { data: T },
}

/// What [`Waiters::remove`] found in the slot.
pub(crate) struct Removed<T> {
    /// Whether the waiter had been notified (and so may owe a hand-off).
    pub(crate) notified: bool,
    /// The data registered with it (possibly changed by the notifier).
    pub(crate) data: T,
    /// A waiting entry's waker: drop it after releasing the lock.
    pub(crate) waker: Option<Waker>,
}

/// A FIFO list of waiters, each carrying a small `T` (e.g. how many permits
/// it wants, or what kind of notification it got).
pub(crate) struct Waiters<T> {
    slots: Vec<Slot<T>>,
    /// Oldest waiting entry (first to be notified).
    head: u32,
    /// Newest waiting entry.
    tail: u32,
    /// First free slot.
    free: u32,
    /// Entries in the `Waiting` state.
    waiting: usize,
    /// Sequence number of the next registration (FIFO position).
    next_seq: u64,
}

impl<T> Waiters<T> {
    /// An empty list (no allocation until the first registration).
    pub(crate) const fn new() -> Self {
        Self { slots: Vec::new(), head: NIL, tail: NIL, free: NIL, waiting: 0, next_seq: 0 }
    }

    /// Whether nobody is waiting (notified entries not yet removed don't count).
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// How many entries are waiting.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Appends a waiter at the back of the queue.
    pub(crate) fn register(&mut self, waker: &Waker, data: T) -> WaiterId {
        let slot = Slot::Waiting {
            prev: self.tail,
            next: NIL,
            seq: self.next_seq,
            waker: waker.clone(),
            data,
        };
        self.next_seq += 1;
        let index = if self.free != NIL {
            let index = self.free;
            match mem::replace(&mut self.slots[index as usize], slot) {
                Slot::Free { next_free } => self.free = next_free,
                _ => unreachable!("free list names a used slot"),
            }
            index
        } else {
            let index = u32::try_from(self.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("too many waiters on one synchronisation primitive");
            self.slots.push(slot);
            index
        };
        if self.tail == NIL {
            self.head = index;
        } else {
            self.set_next(self.tail, index);
        }
        self.tail = index;
        self.waiting += 1;
        WaiterId(index)
    }

    /// Whether `id` has been notified.
    pub(crate) fn is_notified(&self, id: &WaiterId) -> bool {
        match &self.slots[id.0 as usize] {
            Slot::Notified { .. } => true,
            Slot::Waiting { .. } => false,
            Slot::Free { .. } => unreachable!("waiter id names a free slot"),
        }
    }

    /// Makes `waker` the one to wake for `id` if it still waits. Returns the
    /// waker it replaced, which the caller drops after releasing the lock.
    pub(crate) fn update_waker(&mut self, id: &WaiterId, waker: &Waker) -> Option<Waker> {
        match &mut self.slots[id.0 as usize] {
            Slot::Waiting { waker: current, .. } if !crate::task::will_wake(current, waker) => {
                Some(mem::replace(current, waker.clone()))
            }
            Slot::Free { .. } => unreachable!("waiter id names a free slot"),
            _ => None,
        }
    }

    /// Polls an existing registration: if it was notified, removes it and
    /// returns `(true, its waker)`; otherwise refreshes its waker and returns
    /// `(false, the replaced waker)`. Either waker is for the caller to drop
    /// outside the lock.
    pub(crate) fn poll_registered(
        &mut self,
        slot: &mut Option<WaiterId>,
        waker: &Waker,
    ) -> (bool, Option<Waker>) {
        let Some(id) = slot.as_ref() else { return (false, None) };
        if self.is_notified(id) {
            let id = slot.take().expect("checked above");
            (true, self.remove(id).waker)
        } else {
            (false, self.update_waker(id, waker))
        }
    }

    /// Frees `id`'s slot, unlinking it first if it still waits.
    pub(crate) fn remove(&mut self, id: WaiterId) -> Removed<T> {
        let index = id.0;
        if matches!(self.slots[index as usize], Slot::Waiting { .. }) {
            self.unlink(index);
        }
        let old =
            mem::replace(&mut self.slots[index as usize], Slot::Free { next_free: self.free });
        self.free = index;
        match old {
            Slot::Waiting { waker, data, .. } => {
                Removed { notified: false, data, waker: Some(waker) }
            }
            Slot::Notified { data } => Removed { notified: true, data, waker: None },
            Slot::Free { .. } => unreachable!("waiter id names a free slot"),
        }
    }

    /// The data of the oldest waiter, if any.
    pub(crate) fn head(&self) -> Option<&T> {
        if self.head == NIL {
            return None;
        }
        match &self.slots[self.head as usize] {
            Slot::Waiting { data, .. } => Some(data),
            _ => unreachable!("queue links a slot that is not waiting"),
        }
    }

    /// Notifies the oldest waiter: unlinks it, marks it notified and returns
    /// its data (for the notifier to update) and its waker (to wake after the
    /// lock is released).
    pub(crate) fn notify_one(&mut self) -> Option<(&mut T, Waker)> {
        if self.head == NIL {
            return None;
        }
        let index = self.head;
        self.unlink(index);
        let slot = &mut self.slots[index as usize];
        let Slot::Waiting { waker, data, .. } = mem::replace(slot, Slot::Free { next_free: NIL })
        else {
            unreachable!("queue links a slot that is not waiting")
        };
        *slot = Slot::Notified { data };
        let Slot::Notified { data } = slot else { unreachable!() };
        Some((data, waker))
    }

    /// A mark separating the waiters registered so far from later ones
    /// (see [`notify_before`](Self::notify_before)).
    pub(crate) fn mark(&self) -> u64 {
        self.next_seq
    }

    /// Notifies waiters registered before `mark`, oldest first, until `batch`
    /// is full; `on_notify` may update each one's data. Returns whether such
    /// waiters remain (call again after waking the batch).
    pub(crate) fn notify_before(
        &mut self,
        mark: u64,
        batch: &mut WakeBatch,
        mut on_notify: impl FnMut(&mut T),
    ) -> bool {
        while self.head_seq().is_some_and(|seq| seq < mark) {
            if batch.is_full() {
                return true;
            }
            let Some((data, waker)) = self.notify_one() else { unreachable!() };
            on_notify(data);
            batch.push(waker);
        }
        false
    }

    fn head_seq(&self) -> Option<u64> {
        if self.head == NIL {
            return None;
        }
        match &self.slots[self.head as usize] {
            Slot::Waiting { seq, .. } => Some(*seq),
            _ => unreachable!("queue links a slot that is not waiting"),
        }
    }

    fn links(&self, index: u32) -> (u32, u32) {
        match &self.slots[index as usize] {
            Slot::Waiting { prev, next, .. } => (*prev, *next),
            _ => unreachable!("queue links a slot that is not waiting"),
        }
    }

    fn set_next(&mut self, index: u32, to: u32) {
        match &mut self.slots[index as usize] {
            Slot::Waiting { next, .. } => *next = to,
            _ => unreachable!("queue links a slot that is not waiting"),
        }
    }

    fn set_prev(&mut self, index: u32, to: u32) {
        match &mut self.slots[index as usize] {
            Slot::Waiting { prev, .. } => *prev = to,
            _ => unreachable!("queue links a slot that is not waiting"),
        }
    }

    /// Takes a waiting slot out of the queue (its state is left as is).
    fn unlink(&mut self, index: u32) {
        let (prev, next) = self.links(index);
        if prev == NIL {
            self.head = next;
        } else {
            self.set_next(prev, next);
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.set_prev(next, prev);
        }
        self.waiting -= 1;
    }
}

impl<T> core::fmt::Debug for Waiters<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Waiters").field("waiting", &self.waiting).finish_non_exhaustive()
    }
}

/// Wakers collected under a lock, woken after it is released. Wakes whatever
/// it still holds when dropped, so a waker can never be lost.
pub(crate) struct WakeBatch {
    wakers: [Option<Waker>; BATCH],
    len: usize,
}

impl WakeBatch {
    /// An empty batch.
    pub(crate) const fn new() -> Self {
        Self { wakers: [const { None }; BATCH], len: 0 }
    }

    /// Whether another waker fits.
    pub(crate) fn is_full(&self) -> bool {
        self.len == BATCH
    }

    /// Adds a waker. Panics if the batch is full.
    pub(crate) fn push(&mut self, waker: Waker) {
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    /// Wakes (and empties) the batch. Call it with no lock held.
    pub(crate) fn wake_all(&mut self) {
        for waker in self.wakers[..self.len].iter_mut().filter_map(Option::take) {
            waker.wake();
        }
        self.len = 0;
    }
}

impl Drop for WakeBatch {
    fn drop(&mut self) {
        self.wake_all();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use core::sync::atomic::{AtomicUsize, Ordering};

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn fifo_cancel_and_reuse() {
        let (_, waker) = counter();
        let mut w = Waiters::new();
        let a = w.register(&waker, 1);
        let b = w.register(&waker, 2);
        let c = w.register(&waker, 3);
        assert_eq!(w.len(), 3);
        // Cancel the middle one, then the head.
        assert!(!w.remove(b).notified);
        assert_eq!(w.head(), Some(&1));
        assert!(!w.remove(a).notified);
        assert_eq!(w.head(), Some(&3));
        // Freed slots are reused; order stays FIFO.
        let d = w.register(&waker, 4);
        let (data, _) = w.notify_one().unwrap();
        assert_eq!(*data, 3);
        *data = 30;
        assert!(w.is_notified(&c));
        assert!(!w.is_notified(&d));
        let removed = w.remove(c);
        assert!(removed.notified);
        assert_eq!(removed.data, 30);
        assert_eq!(*w.notify_one().unwrap().0, 4);
        assert!(w.notify_one().is_none());
        assert!(w.is_empty());
        assert!(w.remove(d).notified);
        assert_eq!(w.slots.len(), 3);
    }

    #[test]
    fn notify_before_stops_at_mark_and_batches() {
        let (count, waker) = counter();
        let mut w = Waiters::new();
        let early: Vec<_> = (0..BATCH + 3).map(|i| w.register(&waker, i)).collect();
        let mark = w.mark();
        let late = w.register(&waker, 999);
        let mut batch = WakeBatch::new();
        assert!(w.notify_before(mark, &mut batch, |d| *d += 1000));
        batch.wake_all();
        assert_eq!(count.0.load(Ordering::SeqCst), BATCH);
        assert!(!w.notify_before(mark, &mut batch, |d| *d += 1000));
        drop(batch);
        assert_eq!(count.0.load(Ordering::SeqCst), BATCH + 3);
        assert!(!w.is_notified(&late));
        assert_eq!(w.len(), 1);
        for (i, id) in early.into_iter().enumerate() {
            let r = w.remove(id);
            assert!(r.notified);
            assert_eq!(r.data, i + 1000);
        }
        assert!(!w.remove(late).notified);
    }

    #[test]
    fn update_waker_returns_replaced() {
        let (_, a) = counter();
        let (_, b) = counter();
        let mut w = Waiters::new();
        let id = w.register(&a, ());
        // The same waker is not replaced — when `will_wake` can tell, which it
        // may not under Miri (vtable addresses are not guaranteed unique).
        assert!(w.update_waker(&id, &a).is_none() || cfg!(miri));
        assert!(w.update_waker(&id, &b).is_some());
        w.notify_one();
        assert!(w.update_waker(&id, &a).is_none());
        w.remove(id);
    }
}
