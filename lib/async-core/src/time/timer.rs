//! The timer queue: an indexed binary min-heap of deadlines.
//!
//! Entries live in a slab (`slots`); the heap orders slot numbers by deadline
//! and every slot remembers its heap position, so a timer can be cancelled
//! from the middle of the heap in O(log n). A slot number plus a generation
//! is the handle a `Sleep` keeps, so a reused slot is never confused with an
//! old one. A timer's slot is freed when it fires: its owner learns that it
//! fired from the slot no longer answering to its handle, and needs nothing
//! else removed.

use core::task::Waker;

const NONE: u32 = u32::MAX;
/// Slots whose storage an emptied queue keeps.
const KEEP_WHEN_EMPTY: usize = 16;

/// Identifies a registered timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerHandle {
    slot: u32,
    generation: u32,
}

struct Slot {
    deadline: u64,
    waker: Option<Waker>,
    /// Position in `heap` while in use (a free slot's is stale).
    position: u32,
    generation: u32,
    /// Next free slot while free.
    next_free: u32,
    in_use: bool,
}

/// The heap could not grow.
#[derive(Debug)]
pub(crate) struct TimerQueueFull;

pub(crate) struct TimerQueue {
    heap: alloc::vec::Vec<u32>,
    slots: alloc::vec::Vec<Slot>,
    free: u32,
    /// Source of generations, queue-wide, so a handle stays unique even after
    /// the storage is freed and slot numbers start again from zero.
    next_generation: u32,
}

impl TimerQueue {
    pub(crate) const fn new() -> Self {
        Self {
            heap: alloc::vec::Vec::new(),
            slots: alloc::vec::Vec::new(),
            free: NONE,
            next_generation: 0,
        }
    }

    /// Timers registered and not yet fired.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// The earliest pending deadline.
    #[inline(always)]
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.heap.first().map(|&s| self.slots[s as usize].deadline)
    }

    /// Registers a timer for `deadline` that wakes `waker`.
    pub(crate) fn insert(
        &mut self,
        deadline: u64,
        waker: &Waker,
    ) -> Result<TimerHandle, TimerQueueFull> {
        self.heap.try_reserve(1).map_err(|_| TimerQueueFull)?;
        let slot = if self.free != NONE {
            let slot = self.free;
            self.free = self.slots[slot as usize].next_free;
            slot
        } else {
            self.slots.try_reserve(1).map_err(|_| TimerQueueFull)?;
            self.slots.push(Slot {
                deadline: 0,
                waker: None,
                position: 0,
                generation: 0,
                next_free: NONE,
                in_use: false,
            });
            (self.slots.len() - 1) as u32
        };
        let s = &mut self.slots[slot as usize];
        s.deadline = deadline;
        // Cloned once there is room: a full queue drops no waker under its lock.
        s.waker = Some(waker.clone());
        s.in_use = true;
        self.next_generation = self.next_generation.wrapping_add(1);
        s.generation = self.next_generation;
        let handle = TimerHandle { slot, generation: s.generation };
        let position = self.heap.len() as u32;
        s.position = position;
        self.heap.push(slot);
        self.sift_up(position as usize);
        Ok(handle)
    }

    fn slot(&self, handle: TimerHandle) -> Option<&Slot> {
        self.slots
            .get(handle.slot as usize)
            .filter(|s| s.in_use && s.generation == handle.generation)
    }

    /// Whether the timer has fired (or was removed): its slot no longer
    /// answers to the handle.
    pub(crate) fn has_fired(&self, handle: TimerHandle) -> bool {
        self.slot(handle).is_none()
    }

    /// Replaces the waker of a pending timer unless it would wake the same
    /// task. Returns the waker replaced, which the caller drops outside the
    /// lock (its `Drop` is user code, which may reach this queue again).
    #[must_use = "drop the replaced waker after the lock"]
    pub(crate) fn update_waker(&mut self, handle: TimerHandle, waker: &Waker) -> Option<Waker> {
        self.slot(handle)?;
        let s = &mut self.slots[handle.slot as usize];
        if s.waker.as_ref().is_some_and(|w| crate::task::will_wake(w, waker)) {
            return None;
        }
        s.waker.replace(waker.clone())
    }

    /// Removes a pending timer (a fired one is gone already: `None`).
    /// Returns its waker, which the caller drops outside the lock.
    pub(crate) fn remove(&mut self, handle: TimerHandle) -> Option<Waker> {
        let position = self.slot(handle)?.position;
        self.remove_at(position as usize);
        self.free_slot(handle.slot)
    }

    /// Fires the earliest timer if it is due at `now`: takes it out of the
    /// queue, frees its slot and returns its waker (for the caller to wake
    /// outside the lock). Inlined and written for the common case of one
    /// timer: it runs on the path from a timer's interrupt to its task, so it
    /// does `remove_at(0)` and `free_slot`'s steps itself, indexing the slot
    /// once (the general ones, even inlined, measured about 15 instructions
    /// more on that path: a bounds check at every index).
    #[inline(always)]
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<Waker> {
        let &slot = self.heap.first()?;
        let free = self.free;
        let s = self.slots.get_mut(slot as usize)?; // always there: in the heap
        if s.deadline > now {
            return None;
        }
        s.in_use = false;
        s.next_free = free;
        let waker = s.waker.take();
        self.free = slot;
        let last = self.heap.pop();
        match last {
            Some(last) if !self.heap.is_empty() => {
                // The last entry takes the root's place and sinks.
                self.heap[0] = last;
                self.slots[last as usize].position = 0;
                self.sift_down(0);
            }
            _ => self.release_burst_storage(),
        }
        waker
    }

    /// Returns a slot (already out of the heap) to the free list and takes
    /// its waker.
    fn free_slot(&mut self, slot: u32) -> Option<Waker> {
        let free = self.free;
        let s = &mut self.slots[slot as usize];
        s.in_use = false;
        s.next_free = free;
        self.free = slot;
        let waker = s.waker.take();
        if self.heap.is_empty() {
            self.release_burst_storage();
        }
        waker
    }

    /// With the queue empty: gives the storage of a past burst back to the
    /// heap. A small storage stays (with its free list), so a task sleeping
    /// in a loop does not allocate and free it on every sleep.
    #[inline(always)]
    fn release_burst_storage(&mut self) {
        if self.slots.capacity() > KEEP_WHEN_EMPTY {
            self.heap = alloc::vec::Vec::new();
            self.slots = alloc::vec::Vec::new();
            self.free = NONE;
        }
    }

    fn remove_at(&mut self, position: usize) {
        let Some(last) = self.heap.pop() else { return };
        if position < self.heap.len() {
            // The last entry fills the hole and moves to its place.
            self.heap[position] = last;
            self.slots[last as usize].position = position as u32;
            let moved = self.sift_up(position);
            self.sift_down(moved);
        }
    }

    fn deadline_at(&self, position: usize) -> u64 {
        self.slots[self.heap[position] as usize].deadline
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.slots[self.heap[a] as usize].position = a as u32;
        self.slots[self.heap[b] as usize].position = b as u32;
    }

    fn sift_up(&mut self, mut position: usize) -> usize {
        while position > 0 {
            let parent = (position - 1) / 2;
            if self.deadline_at(parent) <= self.deadline_at(position) {
                break;
            }
            self.swap(parent, position);
            position = parent;
        }
        position
    }

    fn sift_down(&mut self, mut position: usize) {
        loop {
            let left = 2 * position + 1;
            let right = left + 1;
            let mut smallest = position;
            if left < self.heap.len() && self.deadline_at(left) < self.deadline_at(smallest) {
                smallest = left;
            }
            if right < self.heap.len() && self.deadline_at(right) < self.deadline_at(smallest) {
                smallest = right;
            }
            if smallest == position {
                return;
            }
            self.swap(position, smallest);
            position = smallest;
        }
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        for (i, &slot) in self.heap.iter().enumerate() {
            assert_eq!(self.slots[slot as usize].position as usize, i);
            if i > 0 {
                assert!(self.deadline_at((i - 1) / 2) <= self.deadline_at(i));
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    fn expire_all(q: &mut TimerQueue, now: u64) -> usize {
        let mut n = 0;
        while let Some(waker) = q.pop_due(now) {
            drop(waker);
            n += 1;
        }
        n
    }

    #[test]
    fn orders_by_deadline() {
        let mut q = TimerQueue::new();
        let deadlines = [50u64, 10, 40, 30, 20, 60];
        let handles: Vec<_> = deadlines.iter().map(|&d| q.insert(d, &noop()).unwrap()).collect();
        q.check_invariants();
        assert_eq!(q.next_deadline(), Some(10));
        assert_eq!(expire_all(&mut q, 35), 3);
        assert!(q.has_fired(handles[1]) && q.has_fired(handles[3]) && q.has_fired(handles[4]));
        assert!(!q.has_fired(handles[0]));
        assert_eq!(q.next_deadline(), Some(40));
        q.check_invariants();
    }

    #[test]
    fn cancel_from_the_middle() {
        let mut q = TimerQueue::new();
        let handles: Vec<_> =
            (0..100u64).map(|i| q.insert((i * 37) % 101, &noop()).unwrap()).collect();
        for h in handles.iter().step_by(3) {
            assert!(q.remove(*h).is_some());
            q.check_invariants();
        }
        assert_eq!(q.len(), 100 - 34);
        let mut last = 0;
        while let Some(d) = q.next_deadline() {
            assert!(d >= last);
            last = d;
            assert!(q.pop_due(d).is_some());
            q.check_invariants();
        }
    }

    #[test]
    fn stale_handles_are_ignored() {
        let mut q = TimerQueue::new();
        let a = q.insert(5, &noop()).unwrap();
        assert!(q.remove(a).is_some());
        let b = q.insert(7, &noop()).unwrap();
        assert_eq!(a.slot, b.slot, "slot reused");
        assert!(q.remove(a).is_none(), "old handle does not remove the new timer");
        assert!(!q.has_fired(b));
        assert_eq!(q.next_deadline(), Some(7));
    }

    #[test]
    fn fired_timers_free_their_slots() {
        let mut q = TimerQueue::new();
        let late = q.insert(10, &noop()).unwrap();
        let early = q.insert(5, &noop()).unwrap();
        assert_eq!(q.len(), 2);
        assert!(q.pop_due(4).is_none(), "nothing due yet");
        assert_eq!(expire_all(&mut q, 7), 1);
        assert_eq!(q.len(), 1);
        assert!(q.has_fired(early) && !q.has_fired(late));
        assert!(q.remove(early).is_none(), "a fired timer is gone already");
        let reused = q.insert(8, &noop()).unwrap();
        assert_eq!(reused.slot, early.slot, "the fired timer's slot is reused");
        assert!(!q.has_fired(reused), "the old handle's fate is not the new timer's");
        assert_eq!(expire_all(&mut q, 10), 2);
        assert_eq!(q.len(), 0);
        q.check_invariants();
    }

    #[test]
    fn an_emptied_queue_keeps_small_storage_and_frees_a_burst() {
        let mut q = TimerQueue::new();
        // A task sleeping in a loop: one timer at a time, no reallocation.
        let first = q.insert(1, &noop()).unwrap();
        let storage = q.slots.as_ptr();
        q.remove(first);
        for d in 2..10 {
            let h = q.insert(d, &noop()).unwrap();
            assert_eq!(q.slots.as_ptr(), storage, "the storage is reused");
            assert_eq!(expire_all(&mut q, d), 1);
            assert!(q.remove(h).is_none(), "fired: nothing left to remove");
        }
        // A burst: its storage goes back to the heap once the queue empties.
        let burst: Vec<_> = (0..1000).map(|d| q.insert(d, &noop()).unwrap()).collect();
        assert!(q.slots.capacity() >= 1000);
        for h in burst {
            q.remove(h);
        }
        assert_eq!((q.len(), q.slots.capacity(), q.heap.capacity()), (0, 0, 0));
        q.check_invariants();
    }

    #[test]
    fn hundred_thousand_timers() {
        let mut q = TimerQueue::new();
        let mut handles = Vec::new();
        // 100,000 natively; fewer under Miri, which runs this ~1000x slower.
        let n: u64 = if cfg!(miri) { 2_000 } else { 100_000 };
        for i in 0..n {
            handles.push(q.insert(i.wrapping_mul(2_654_435_761) % 1_000_000, &noop()).unwrap());
        }
        for h in handles.iter().skip(1).step_by(2) {
            q.remove(*h);
        }
        assert_eq!(q.len() as u64, n / 2);
        assert_eq!(expire_all(&mut q, u64::MAX) as u64, n / 2);
        assert_eq!(q.next_deadline(), None);
    }
}
