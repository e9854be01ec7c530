//! The executor's table of live tasks: a chunked slab of task pointers.
//!
//! A task's slot number is its id. Insertion and removal are O(1) through a
//! free list threaded through unused slots; storage grows one fixed-size chunk
//! at a time (never moved, never over-allocated by more than one chunk), so a
//! table of 100,000 tasks costs about 8 bytes per task. When the last task
//! leaves, the chunks of a past burst are freed, all but the first: a lone
//! task spawned and joined over and over must not allocate and initialise a
//! chunk each time (that made `spawn(..).await` five times slower).

use crate::task::Header;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;

const CHUNK: usize = 512;
const NONE: u32 = u32::MAX;

/// One slot: a task pointer, or (odd values) `next_free << 1 | 1`.
#[derive(Clone, Copy)]
struct Slot(*mut Header);

impl Slot {
    fn free(next: u32) -> Self {
        Self(core::ptr::without_provenance_mut(((next as usize) << 1) | 1))
    }

    fn task(&self) -> Option<NonNull<Header>> {
        if self.0.addr() & 1 == 1 { None } else { NonNull::new(self.0) }
    }

    fn next_free(&self) -> u32 {
        (self.0.addr() >> 1) as u32
    }
}

/// The heap could not grow the table.
#[derive(Debug)]
pub(crate) struct TableFull;

pub(crate) struct TaskTable {
    chunks: Vec<Box<[Slot; CHUNK]>>,
    free: u32,
    len: usize,
}

// SAFETY: the raw pointers are task headers, shared through atomics only; the
// table itself is always accessed under the executor's lock.
unsafe impl Send for TaskTable {}

impl TaskTable {
    pub(crate) const fn new() -> Self {
        Self { chunks: Vec::new(), free: NONE, len: 0 }
    }

    fn slot_mut(&mut self, index: u32) -> &mut Slot {
        let i = index as usize;
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }

    /// Inserts a task and returns its slot, or fails if memory is exhausted.
    pub(crate) fn insert(&mut self, task: NonNull<Header>) -> Result<u32, TableFull> {
        if self.free == NONE {
            self.grow()?;
        }
        let index = self.free;
        self.free = self.slot_mut(index).next_free();
        *self.slot_mut(index) = Slot(task.as_ptr());
        self.len += 1;
        Ok(index)
    }

    fn grow(&mut self) -> Result<(), TableFull> {
        self.chunks.try_reserve(1).map_err(|_| TableFull)?;
        let base = (self.chunks.len() * CHUNK) as u32;
        let layout = core::alloc::Layout::new::<[Slot; CHUNK]>();
        // SAFETY: non-zero-sized layout; the result is checked for null and
        // fully initialised below before it becomes a Box.
        let chunk = unsafe {
            let memory = alloc::alloc::alloc(layout) as *mut [Slot; CHUNK];
            if memory.is_null() {
                return Err(TableFull);
            }
            for i in 0..CHUNK {
                let next = if i + 1 < CHUNK { base + i as u32 + 1 } else { NONE };
                (*memory)[i] = Slot::free(next);
            }
            Box::from_raw(memory)
        };
        self.chunks.push(chunk);
        self.free = base;
        Ok(())
    }

    /// Removes the task in `index`.
    pub(crate) fn remove(&mut self, index: u32) {
        let free = self.free;
        let slot = self.slot_mut(index);
        debug_assert!(slot.task().is_some(), "removing a free slot");
        *slot = Slot::free(free);
        self.free = index;
        self.len -= 1;
        if self.len == 0 && self.chunks.len() > 1 {
            // Empty after a burst: give its storage back, keeping one chunk.
            self.chunks.truncate(1);
            self.chunks.shrink_to_fit();
            for (i, slot) in self.chunks[0].iter_mut().enumerate() {
                *slot = Slot::free(if i + 1 < CHUNK { i as u32 + 1 } else { NONE });
            }
            self.free = 0;
        }
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Calls `f` for every live task, in slot order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(u32, NonNull<Header>)) {
        self.iter().for_each(|(id, task)| f(id, task));
    }

    /// The live tasks with their ids, in slot order. Lazy: a caller that
    /// wants the first few (a `ps` under the table's lock) stops there.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, NonNull<Header>)> + '_ {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk
                .iter()
                .enumerate()
                .filter_map(move |(i, slot)| slot.task().map(|task| ((c * CHUNK + i) as u32, task)))
        })
    }

    /// Bytes of heap the table itself uses.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.len() * core::mem::size_of::<[Slot; CHUNK]>()
            + self.chunks.capacity() * core::mem::size_of::<Box<[Slot; CHUNK]>>()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn fake(n: usize) -> NonNull<Header> {
        // Distinct, aligned, never dereferenced.
        NonNull::new(core::ptr::without_provenance_mut::<Header>(n * 64)).unwrap()
    }

    #[test]
    fn insert_remove_reuse() {
        let mut t = TaskTable::new();
        let a = t.insert(fake(1)).unwrap();
        let b = t.insert(fake(2)).unwrap();
        assert_eq!((a, b), (0, 1));
        t.remove(a);
        assert_eq!(t.len(), 1);
        assert_eq!(t.insert(fake(3)).unwrap(), 0, "freed slot reused");
        let mut seen = std::vec::Vec::new();
        t.for_each(|i, p| seen.push((i, p.as_ptr().addr())));
        assert_eq!(seen, [(0, 3 * 64), (1, 2 * 64)]);
    }

    #[test]
    fn grows_by_chunks() {
        let mut t = TaskTable::new();
        for i in 0..(3 * CHUNK) {
            assert_eq!(t.insert(fake(i + 1)).unwrap() as usize, i);
        }
        assert_eq!(t.len(), 3 * CHUNK);
        assert_eq!(t.chunks.len(), 3);
        for i in (0..3 * CHUNK).step_by(2) {
            t.remove(i as u32);
        }
        assert_eq!(t.len(), 3 * CHUNK / 2);
        let mut count = 0;
        t.for_each(|i, _| {
            assert_eq!(i % 2, 1);
            count += 1;
        });
        assert_eq!(count, 3 * CHUNK / 2);
        assert!(t.heap_bytes() < 3 * CHUNK * 8 + 1024);
        // The first few live tasks, in slot order, without the rest.
        let first: std::vec::Vec<u32> = t.iter().take(3).map(|(i, _)| i).collect();
        assert_eq!(first, [1, 3, 5]);
        assert_eq!(t.iter().count(), count);
    }

    #[test]
    fn an_emptied_table_keeps_one_chunk() {
        let mut t = TaskTable::new();
        for i in 0..(2 * CHUNK + 1) {
            t.insert(fake(i + 1)).unwrap();
        }
        assert_eq!(t.chunks.len(), 3);
        for i in 0..(2 * CHUNK + 1) {
            t.remove(i as u32);
        }
        assert_eq!((t.len(), t.chunks.len()), (0, 1), "the burst's storage is returned");
        // A lone task coming and going reuses slot 0 without growing.
        for n in 0..3 {
            assert_eq!(t.insert(fake(n + 1)).unwrap(), 0);
            t.remove(0);
            assert_eq!(t.chunks.len(), 1);
        }
        // And the kept chunk's free list is whole again.
        for i in 0..CHUNK {
            assert_eq!(t.insert(fake(i + 1)).unwrap() as usize, i);
        }
        assert_eq!(t.chunks.len(), 1);
    }
}
