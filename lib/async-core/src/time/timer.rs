//! The timer queue: a treap of timer nodes that live inside the futures
//! owning the timers (an intrusive queue: it allocates nothing).
//!
//! A [`TimerNode`] is embedded in its [`Sleep`](super::Sleep) (or, for
//! [`wake_at`](super::wake_at), in a small allocation owned by its waker).
//! The queue links the nodes into a binary search tree ordered by deadline
//! (equal deadlines fire in the order they were added) that is also a heap on
//! a pseudo-random priority derived from each node's address: a *treap*,
//! balanced in expectation whatever order the deadlines arrive in. Insert and
//! cancel are O(log n) expected, firing the earliest is O(1) expected (the
//! leftmost node is cached), and nothing is ever copied or reallocated — so
//! no operation holds the queue's lock (which masks interrupts on the kernel)
//! for longer than a walk down the tree, however many timers there are, and
//! a sleeping task costs the executor no memory beyond its future.
//!
//! Rules that keep the raw pointers sound, upheld by the owners (`Sleep`,
//! `wake_at`) and stated on the unsafe methods:
//!
//! * a node is in the queue exactly while its `waker` is `Some`;
//! * a queued node is pinned and stays alive until it leaves the queue
//!   (fired by [`TimerQueue::pop_due`], or taken out by
//!   [`TimerQueue::remove`], which its owner's `Drop` calls);
//! * every access to a node's links happens under the queue's lock.

use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::ptr;
use core::task::Waker;

/// A timer's entry in its executor's timer queue, embedded in the future that
/// owns the timer. Must not move while queued (hence `!Unpin`).
pub(crate) struct TimerNode {
    links: UnsafeCell<Links>,
    _pinned: PhantomPinned,
}

/// What the queue keeps in a node (only touched under the queue's lock).
struct Links {
    deadline: u64,
    parent: *const TimerNode,
    left: *const TimerNode,
    right: *const TimerNode,
    /// The waker to wake when the deadline passes: `Some` exactly while the
    /// node is queued.
    waker: Option<Waker>,
}

// SAFETY: the raw pointers name other nodes of the same queue and are only
// followed under the queue's lock; the waker is `Send + Sync`.
unsafe impl Send for TimerNode {}
// SAFETY: as above: shared references to a node only reach its links under
// the queue's lock.
unsafe impl Sync for TimerNode {}

impl TimerNode {
    /// A node that is in no queue.
    pub(crate) const fn new() -> Self {
        Self {
            links: UnsafeCell::new(Links {
                deadline: 0,
                parent: ptr::null(),
                left: ptr::null(),
                right: ptr::null(),
                waker: None,
            }),
            _pinned: PhantomPinned,
        }
    }
}

impl core::fmt::Debug for TimerNode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The links belong to the queue's lock: nothing to show without it.
        f.write_str("TimerNode")
    }
}

/// The links of `node`.
///
/// # Safety
/// `node` is alive and the caller holds the lock of the queue it is in (or
/// is about to be put in), with no other reference to these links live.
#[inline(always)]
unsafe fn links<'a>(node: *const TimerNode) -> &'a mut Links {
    // SAFETY: per the contract; the links are in an UnsafeCell, so writing
    // through a pointer derived from a shared reference is allowed.
    unsafe { &mut *(*node).links.get() }
}

/// The node's treap priority: its address, mixed (a node does not move while
/// queued, so its priority does not change). Nodes of tasks allocated one
/// after another get unrelated priorities, which keeps the tree balanced.
#[inline(always)]
fn priority(node: *const TimerNode) -> u64 {
    // The finaliser of MurmurHash3: every address bit reaches every result bit.
    let mut x = node.addr() as u64;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The earliest-deadline-first queue of one executor's timers.
pub(crate) struct TimerQueue {
    root: *const TimerNode,
    /// The leftmost node: the earliest deadline (null when empty).
    first: *const TimerNode,
    len: usize,
}

// SAFETY: the queue is only used under its executor's lock, and the nodes it
// points to are `Send + Sync` (see `TimerNode`).
unsafe impl Send for TimerQueue {}

impl TimerQueue {
    /// An empty queue.
    pub(crate) const fn new() -> Self {
        Self { root: ptr::null(), first: ptr::null(), len: 0 }
    }

    /// Timers queued and not yet fired.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The earliest pending deadline.
    #[inline(always)]
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        // SAFETY: `first` is null or a queued node, alive while queued; `&self`
        // means the caller holds the lock.
        (!self.first.is_null()).then(|| unsafe { links(self.first) }.deadline)
    }

    /// Whether `node` is in this queue (a fired or removed timer is not).
    ///
    /// # Safety
    /// `node` is alive and is in this queue or in none.
    pub(crate) unsafe fn is_queued(&self, node: &TimerNode) -> bool {
        // SAFETY: per the contract; `&self` means the caller holds the lock.
        unsafe { links(node) }.waker.is_some()
    }

    /// Queues `node` to wake `waker` at `deadline`.
    ///
    /// # Safety
    /// `node` is pinned, in no queue, and stays alive until it leaves this
    /// one ([`pop_due`](Self::pop_due) or [`remove`](Self::remove)).
    pub(crate) unsafe fn insert(&mut self, node: &TimerNode, deadline: u64, waker: Waker) {
        let node: *const TimerNode = node;
        // SAFETY: `node` is alive (per the contract); every other node
        // reached is queued, hence alive; we hold the lock (`&mut self`); one
        // node's links are borrowed at a time.
        unsafe {
            let new = links(node);
            debug_assert!(new.waker.is_none(), "a timer node queued twice");
            *new = Links {
                deadline,
                parent: ptr::null(),
                left: ptr::null(),
                right: ptr::null(),
                waker: Some(waker),
            };
            self.len += 1;
            if self.root.is_null() {
                self.root = node;
                self.first = node;
                return;
            }
            // Down to a leaf; an equal deadline goes right (after its peers).
            let mut at = self.root;
            loop {
                let here = links(at);
                let next = if deadline < here.deadline { &mut here.left } else { &mut here.right };
                if next.is_null() {
                    *next = node;
                    break;
                }
                at = *next;
            }
            links(node).parent = at;
            if deadline < links(self.first).deadline {
                self.first = node;
            }
            // Up to where its priority belongs (rotations keep the order).
            while !links(node).parent.is_null() && priority(node) > priority(links(node).parent) {
                self.rotate_up(node);
            }
        }
    }

    /// Replaces the waker of a queued `node` unless it would wake the same
    /// task. Returns the waker replaced, which the caller drops outside the
    /// lock (its `Drop` is user code, which may reach this queue again).
    ///
    /// # Safety
    /// `node` is alive and queued in this queue.
    #[must_use = "drop the replaced waker after the lock"]
    pub(crate) unsafe fn update_waker(&mut self, node: &TimerNode, waker: &Waker) -> Option<Waker> {
        // SAFETY: per the contract; we hold the lock.
        let stored = unsafe { &mut links(node).waker };
        debug_assert!(stored.is_some(), "updating the waker of a timer not queued");
        if stored.as_ref().is_some_and(|w| crate::task::will_wake(w, waker)) {
            return None;
        }
        stored.replace(waker.clone())
    }

    /// Takes `node` out of the queue if it is still there (a fired one is
    /// gone already: `None`). Returns its waker, which the caller drops
    /// outside the lock.
    ///
    /// # Safety
    /// `node` is alive and is in this queue or in none.
    pub(crate) unsafe fn remove(&mut self, node: &TimerNode) -> Option<Waker> {
        let node: *const TimerNode = node;
        // SAFETY: `node` is alive; queued nodes (all others reached) are
        // alive; we hold the lock; one node's links are borrowed at a time.
        unsafe {
            links(node).waker.as_ref()?;
            if self.first == node {
                self.first = self.successor(node);
            }
            // Rotated down until it has at most one child (the order stays).
            loop {
                let (left, right) = (links(node).left, links(node).right);
                if left.is_null() || right.is_null() {
                    break;
                }
                let child = if priority(left) > priority(right) { left } else { right };
                self.rotate_up(child);
            }
            let here = links(node);
            let child = if here.left.is_null() { here.right } else { here.left };
            self.replace_child(here.parent, node, child);
            if !child.is_null() {
                links(child).parent = here.parent;
            }
            self.len -= 1;
            Self::detach(node)
        }
    }

    /// Fires the earliest timer if it is due at `now`: takes it out of the
    /// queue and returns its waker (for the caller to wake outside the lock).
    /// Inlined: it is on the path from a timer's interrupt to its task, and
    /// with one timer queued it is a handful of loads and stores.
    #[inline(always)]
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<Waker> {
        let node = self.first;
        if node.is_null() {
            return None;
        }
        // SAFETY: `first` is queued, hence alive, as are its parent and its
        // right subtree; we hold the lock (`&mut self`).
        unsafe {
            let here = links(node);
            if here.deadline > now {
                return None;
            }
            // The leftmost node has no left child: its right subtree takes
            // its place, as its parent's left child (or as the root).
            let (parent, right) = (here.parent, here.right);
            if parent.is_null() {
                self.root = right;
            } else {
                links(parent).left = right;
            }
            self.first = if right.is_null() {
                parent
            } else {
                links(right).parent = parent;
                Self::leftmost(right)
            };
            self.len -= 1;
            Self::detach(node)
        }
    }

    /// Clears the links of a node just taken out and returns its waker; the
    /// node is no longer queued once this returns.
    ///
    /// # Safety
    /// `node` is alive, out of the tree's links, and we hold the lock.
    #[inline(always)]
    unsafe fn detach(node: *const TimerNode) -> Option<Waker> {
        // SAFETY: per the contract.
        let here = unsafe { links(node) };
        here.parent = ptr::null();
        here.left = ptr::null();
        here.right = ptr::null();
        here.waker.take()
    }

    /// The leftmost node of the subtree at `node` (not null).
    ///
    /// # Safety
    /// `node` is queued; we hold the lock.
    unsafe fn leftmost(mut node: *const TimerNode) -> *const TimerNode {
        // SAFETY: queued nodes are alive.
        unsafe {
            while !links(node).left.is_null() {
                node = links(node).left;
            }
        }
        node
    }

    /// The node after `node` in deadline order (null for the last).
    ///
    /// # Safety
    /// `node` is queued; we hold the lock.
    unsafe fn successor(&self, mut node: *const TimerNode) -> *const TimerNode {
        // SAFETY: queued nodes are alive.
        unsafe {
            let right = links(node).right;
            if !right.is_null() {
                return Self::leftmost(right);
            }
            loop {
                let parent = links(node).parent;
                if parent.is_null() || links(parent).left == node {
                    return parent;
                }
                node = parent;
            }
        }
    }

    /// Makes `new` the child of `parent` (the root if null) where `old` was.
    ///
    /// # Safety
    /// `parent` is null or queued; we hold the lock.
    unsafe fn replace_child(
        &mut self,
        parent: *const TimerNode,
        old: *const TimerNode,
        new: *const TimerNode,
    ) {
        if parent.is_null() {
            self.root = new;
            return;
        }
        // SAFETY: per the contract.
        let p = unsafe { links(parent) };
        if p.left == old {
            p.left = new;
        } else {
            p.right = new;
        }
    }

    /// Rotates `node` above its parent, keeping the deadline order.
    ///
    /// # Safety
    /// `node` is queued and has a parent; we hold the lock.
    unsafe fn rotate_up(&mut self, node: *const TimerNode) {
        // SAFETY: the nodes reached are queued, hence alive; one node's links
        // are borrowed at a time.
        unsafe {
            let parent = links(node).parent;
            let grandparent = links(parent).parent;
            if links(parent).left == node {
                // Node was the left child: its right subtree moves under the
                // parent, which becomes its right child.
                let moved = links(node).right;
                links(parent).left = moved;
                if !moved.is_null() {
                    links(moved).parent = parent;
                }
                links(node).right = parent;
            } else {
                let moved = links(node).left;
                links(parent).right = moved;
                if !moved.is_null() {
                    links(moved).parent = parent;
                }
                links(node).left = parent;
            }
            links(parent).parent = node;
            links(node).parent = grandparent;
            self.replace_child(grandparent, parent, node);
        }
    }
}

impl Drop for TimerQueue {
    /// Lets go of the timers still queued (only [`wake_at`](super::wake_at)'s
    /// can be: a `Sleep` keeps its executor alive while its timer is queued),
    /// dropping their wakers, which frees those nodes.
    fn drop(&mut self) {
        while !self.first.is_null() {
            drop(self.pop_due(u64::MAX));
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::boxed::Box;
    use std::pin::Pin;
    use std::vec::Vec;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    fn nodes(n: usize) -> Vec<Pin<Box<TimerNode>>> {
        (0..n).map(|_| Box::pin(TimerNode::new())).collect()
    }

    fn expire_all(q: &mut TimerQueue, now: u64) -> usize {
        let mut n = 0;
        while let Some(waker) = q.pop_due(now) {
            drop(waker);
            n += 1;
        }
        n
    }

    impl TimerQueue {
        /// Checks every link, the deadline order, the priority heap, the
        /// cached first node and the count; returns the deadlines in order.
        fn check(&self) -> Vec<u64> {
            fn walk(node: *const TimerNode, parent: *const TimerNode, out: &mut Vec<u64>) {
                if node.is_null() {
                    return;
                }
                // SAFETY: test queues only hold live nodes.
                let l = unsafe { links(node) };
                assert_eq!(l.parent, parent, "parent link");
                assert!(l.waker.is_some(), "a linked node has a waker");
                if !parent.is_null() {
                    assert!(priority(parent) >= priority(node), "heap order on priority");
                }
                let (left, right, deadline) = (l.left, l.right, l.deadline);
                walk(left, node, out);
                out.push(deadline);
                walk(right, node, out);
            }
            let mut out = Vec::new();
            walk(self.root, ptr::null(), &mut out);
            assert!(out.windows(2).all(|w| w[0] <= w[1]), "deadline order");
            assert_eq!(out.len(), self.len);
            if self.root.is_null() {
                assert!(self.first.is_null());
            } else {
                // SAFETY: as above.
                assert_eq!(self.first, unsafe { TimerQueue::leftmost(self.root) });
            }
            out
        }

        fn depth(&self) -> usize {
            fn depth(node: *const TimerNode) -> usize {
                if node.is_null() {
                    return 0;
                }
                // SAFETY: test queues only hold live nodes.
                let l = unsafe { links(node) };
                1 + depth(l.left).max(depth(l.right))
            }
            depth(self.root)
        }
    }

    #[test]
    fn orders_by_deadline() {
        let n = nodes(6);
        let mut q = TimerQueue::new();
        for (node, d) in n.iter().zip([50u64, 10, 40, 30, 20, 60]) {
            // SAFETY: pinned in `n`, which outlives the queue's use of them.
            unsafe { q.insert(node, d, noop()) };
        }
        assert_eq!(q.check(), [10, 20, 30, 40, 50, 60]);
        assert_eq!(q.next_deadline(), Some(10));
        assert_eq!(expire_all(&mut q, 35), 3);
        // SAFETY: as above.
        unsafe {
            assert!(!q.is_queued(&n[1]) && !q.is_queued(&n[3]) && !q.is_queued(&n[4]));
            assert!(q.is_queued(&n[0]));
        }
        assert_eq!(q.next_deadline(), Some(40));
        assert_eq!(q.check(), [40, 50, 60]);
        drop(q);
    }

    #[test]
    fn equal_deadlines_fire_in_the_order_they_were_added() {
        let n = nodes(50);
        let mut q = TimerQueue::new();
        let flags: Vec<_> = (0..50).map(|_| std::sync::Arc::new(Flag::default())).collect();
        for (node, flag) in n.iter().zip(&flags) {
            // SAFETY: pinned in `n`, alive for the test.
            unsafe { q.insert(node, 7, flag.clone().into()) };
        }
        q.check();
        for flag in &flags {
            q.pop_due(7).unwrap().wake();
            assert_eq!(flag.wakes(), 1, "the next one added is the next to fire");
        }
        assert!(q.pop_due(7).is_none());
    }

    /// Counts its wakes (identifies a waker by what it does, which also
    /// holds under Miri, where vtable addresses are not unique).
    #[derive(Default)]
    struct Flag(std::sync::atomic::AtomicUsize);

    impl Flag {
        fn wakes(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::Relaxed)
        }
    }

    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    #[test]
    fn cancel_from_the_middle() {
        let n = nodes(100);
        let mut q = TimerQueue::new();
        for (i, node) in n.iter().enumerate() {
            // SAFETY: pinned in `n`, alive for the test.
            unsafe { q.insert(node, (i as u64 * 37) % 101, noop()) };
        }
        for node in n.iter().step_by(3) {
            // SAFETY: as above.
            assert!(unsafe { q.remove(node) }.is_some());
            q.check();
        }
        assert_eq!(q.len(), 100 - 34);
        let mut last = 0;
        while let Some(d) = q.next_deadline() {
            assert!(d >= last);
            last = d;
            assert!(q.pop_due(d).is_some());
            q.check();
        }
    }

    #[test]
    fn a_fired_or_removed_node_answers_none_and_can_be_queued_again() {
        let n = nodes(2);
        let mut q = TimerQueue::new();
        // SAFETY: the nodes are pinned in `n`, alive throughout.
        unsafe {
            q.insert(&n[0], 10, noop());
            q.insert(&n[1], 5, noop());
            assert!(q.pop_due(4).is_none(), "nothing due yet");
            assert_eq!(expire_all(&mut q, 7), 1);
            assert!(!q.is_queued(&n[1]) && q.is_queued(&n[0]));
            assert!(q.remove(&n[1]).is_none(), "a fired timer is gone already");
            q.insert(&n[1], 8, noop());
            assert_eq!(q.check(), [8, 10]);
            assert!(q.remove(&n[0]).is_some());
            assert!(q.remove(&n[0]).is_none(), "removed once");
            assert_eq!(q.check(), [8]);
            assert_eq!(expire_all(&mut q, 10), 1);
            assert_eq!(q.len(), 0);
            q.check();
        }
    }

    #[test]
    fn update_waker_keeps_the_same_task_and_replaces_another() {
        let n = nodes(1);
        let mut q = TimerQueue::new();
        let (first, second) =
            (std::sync::Arc::new(Flag::default()), std::sync::Arc::new(Flag::default()));
        let (first_waker, second_waker) = (Waker::from(first.clone()), Waker::from(second.clone()));
        // SAFETY: pinned in `n`, alive for the test.
        unsafe {
            q.insert(&n[0], 3, first_waker.clone());
            let kept = q.update_waker(&n[0], &first_waker);
            // (Miri does not keep vtable addresses unique, which `will_wake`
            // compares; keeping the waker is only a saving.)
            assert!(kept.is_none() || cfg!(miri), "the same waker is kept");
            let replaced = q.update_waker(&n[0], &second_waker).expect("another waker replaces it");
            replaced.wake();
            assert_eq!((first.wakes(), second.wakes()), (1, 0), "the first was replaced");
        }
        q.pop_due(3).unwrap().wake();
        assert_eq!((first.wakes(), second.wakes()), (1, 1), "the second fires");
    }

    /// A small deterministic generator for the model test.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn random_operations_match_a_model() {
        const NODES: usize = 200;
        let rounds = if cfg!(miri) { 600 } else { 20_000 };
        let n = nodes(NODES);
        let mut q = TimerQueue::new();
        // The model: deadline of each queued node, by index.
        let mut model: Vec<Option<u64>> = std::vec![None; NODES];
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut now = 0u64;
        for round in 0..rounds {
            let i = (xorshift(&mut rng) % NODES as u64) as usize;
            // SAFETY: every node is pinned in `n`, alive throughout.
            unsafe {
                match xorshift(&mut rng) % 4 {
                    0 | 1 if model[i].is_none() => {
                        let d = now + xorshift(&mut rng) % 50;
                        q.insert(&n[i], d, noop());
                        model[i] = Some(d);
                    }
                    0..=2 => {
                        assert_eq!(q.remove(&n[i]).is_some(), model[i].take().is_some());
                    }
                    _ => {
                        now += xorshift(&mut rng) % 8;
                        let due = model.iter().filter(|d| d.is_some_and(|d| d <= now)).count();
                        assert_eq!(expire_all(&mut q, now), due);
                        for d in model.iter_mut() {
                            if d.is_some_and(|d| d <= now) {
                                *d = None;
                            }
                        }
                    }
                }
                for (node, d) in n.iter().zip(&model) {
                    assert_eq!(q.is_queued(node), d.is_some());
                }
            }
            if round % 16 == 0 || cfg!(miri) {
                let mut expected: Vec<u64> = model.iter().flatten().copied().collect();
                expected.sort_unstable();
                assert_eq!(q.check(), expected);
                assert_eq!(q.next_deadline(), expected.first().copied());
            }
        }
        drop(q);
    }

    #[test]
    fn a_hundred_thousand_timers_stay_balanced() {
        // 100,000 natively; fewer under Miri, which runs this ~1000x slower.
        let count: usize = if cfg!(miri) { 2_000 } else { 100_000 };
        let n = nodes(count);
        let mut q = TimerQueue::new();
        // Deadlines arriving in order (the common case: now + the same
        // period), the worst order for an unbalanced search tree.
        for (i, node) in n.iter().enumerate() {
            // SAFETY: pinned in `n`, alive for the test.
            unsafe { q.insert(node, i as u64, noop()) };
        }
        let depth = q.depth();
        // A treap's expected depth is about 3 log2(n) (~50 here).
        assert!(depth < 4 * (usize::BITS - count.leading_zeros()) as usize, "depth {depth}");
        for node in n.iter().skip(1).step_by(2) {
            // SAFETY: as above.
            assert!(unsafe { q.remove(node) }.is_some());
        }
        assert_eq!(q.len(), count / 2);
        assert_eq!(expire_all(&mut q, u64::MAX), count / 2);
        assert_eq!(q.next_deadline(), None);
    }
}
