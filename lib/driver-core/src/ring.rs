//! A lock-free single-producer single-consumer byte ring.
//!
//! The UART's receive interrupt handler is the producer, the reader task the
//! consumer: neither ever waits for the other, and no lock is needed. Every
//! cell is an `AtomicU16` (a plain halfword load/store on AArch64), and the
//! two indices publish with release/acquire ordering, so the ring is safe
//! Rust; the single-producer / single-consumer rule is what makes the bytes
//! come out in order, not what keeps it sound.
//!
//! Bytes the producer could not store — the ring was full, or the hardware
//! lost them — leave a *gap*, and the ring remembers where:
//! [`ByteRing::mark_lost`] counts them, and the next byte stored carries the
//! count in its cell's upper half. [`ByteRing::pop_slice_marked`] stops
//! before such a byte and reports the loss with it, so a reader knows
//! exactly which bytes came before the loss and which after (the shell
//! discards the line a gap falls in rather than run it with bytes missing).
//! Plain [`ByteRing::pop_slice`] ignores the marks.
//!
//! ```
//! use driver_core::ring::ByteRing;
//! let ring = ByteRing::new(8);
//! assert_eq!(ring.push_slice(b"hello"), 5);
//! let mut out = [0u8; 8];
//! assert_eq!(ring.pop_slice(&mut out), 5);
//! assert_eq!(&out[..5], b"hello");
//! ```

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

/// Most bytes one gap reports (a cell's upper half); more read as this many.
pub const MAX_LOST_REPORTED: usize = 255;

/// A ring of bytes with a power-of-two capacity.
#[derive(Debug)]
pub struct ByteRing {
    /// A byte in the lower half; bytes lost just before it in the upper.
    cells: Box<[AtomicU16]>,
    mask: usize,
    /// Total bytes ever pushed (only the producer writes it).
    head: AtomicUsize,
    /// Total bytes ever popped (only the consumer writes it).
    tail: AtomicUsize,
    /// Bytes lost since the last byte pushed (only the producer uses it).
    lost: AtomicUsize,
}

/// What [`ByteRing::pop_slice_marked`] moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Popped {
    /// Bytes moved into the buffer.
    pub bytes: usize,
    /// Bytes lost just before the first of them (0: none; at most
    /// [`MAX_LOST_REPORTED`], meaning that many or more).
    pub lost_before: usize,
}

impl ByteRing {
    /// A ring holding `capacity` bytes, rounded up to a power of two (at least 2).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2).next_power_of_two();
        let cells: Vec<AtomicU16> = (0..capacity).map(|_| AtomicU16::new(0)).collect();
        Self {
            cells: cells.into_boxed_slice(),
            mask: capacity - 1,
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
        }
    }

    /// The cell for the next byte pushed: `byte`, marked with the loss
    /// before it (which is then reported).
    fn marked(&self, byte: u8) -> u16 {
        let lost = self.lost.load(Ordering::Relaxed);
        if lost > 0 {
            self.lost.store(0, Ordering::Relaxed);
        }
        u16::from(byte) | (lost.min(MAX_LOST_REPORTED) as u16) << 8
    }

    /// How many bytes it holds when full.
    pub fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Bytes waiting to be popped.
    pub fn len(&self) -> usize {
        self.head.load(Ordering::Acquire).wrapping_sub(self.tail.load(Ordering::Acquire))
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Producer: appends `byte`, or returns `false` if the ring is full.
    pub fn push(&self, byte: u8) -> bool {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        if head.wrapping_sub(tail) > self.mask {
            return false;
        }
        self.cells[head & self.mask].store(self.marked(byte), Ordering::Relaxed);
        self.head.store(head.wrapping_add(1), Ordering::Release);
        true
    }

    /// Producer: records that `count` bytes were lost here, after every byte
    /// pushed so far (the ring was full, or the hardware lost or garbled
    /// them). The next byte pushed carries the loss.
    pub fn mark_lost(&self, count: usize) {
        let lost = self.lost.load(Ordering::Relaxed);
        self.lost.store(lost.saturating_add(count), Ordering::Relaxed);
    }

    /// Producer: appends as much of `bytes` as fits; returns how many.
    pub fn push_slice(&self, bytes: &[u8]) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let free = self.capacity() - head.wrapping_sub(tail);
        let n = free.min(bytes.len());
        for (i, &byte) in bytes[..n].iter().enumerate() {
            let cell = if i == 0 { self.marked(byte) } else { u16::from(byte) };
            self.cells[head.wrapping_add(i) & self.mask].store(cell, Ordering::Relaxed);
        }
        self.head.store(head.wrapping_add(n), Ordering::Release);
        n
    }

    /// Consumer: takes the oldest byte.
    pub fn pop(&self) -> Option<u8> {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let byte = self.cells[tail & self.mask].load(Ordering::Relaxed) as u8;
        self.tail.store(tail.wrapping_add(1), Ordering::Release);
        Some(byte)
    }

    /// Consumer: moves up to `out.len()` of the oldest bytes into `out`;
    /// returns how many.
    pub fn pop_slice(&self, out: &mut [u8]) -> usize {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        let n = head.wrapping_sub(tail).min(out.len());
        for (i, slot) in out[..n].iter_mut().enumerate() {
            *slot = self.cells[tail.wrapping_add(i) & self.mask].load(Ordering::Relaxed) as u8;
        }
        self.tail.store(tail.wrapping_add(n), Ordering::Release);
        n
    }

    /// Consumer: like [`pop_slice`](Self::pop_slice), but stops before the
    /// next byte that follows a gap, so a loss is only ever reported for the
    /// first byte moved (see the module comment).
    pub fn pop_slice_marked(&self, out: &mut [u8]) -> Popped {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        let available = head.wrapping_sub(tail).min(out.len());
        let mut popped = Popped::default();
        for (i, slot) in out[..available].iter_mut().enumerate() {
            let cell = self.cells[tail.wrapping_add(i) & self.mask].load(Ordering::Relaxed);
            let lost = usize::from(cell >> 8);
            if i == 0 {
                popped.lost_before = lost;
            } else if lost > 0 {
                break;
            }
            *slot = cell as u8;
            popped.bytes += 1;
        }
        self.tail.store(tail.wrapping_add(popped.bytes), Ordering::Release);
        popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn capacity_rounds_up_to_a_power_of_two() {
        assert_eq!(ByteRing::new(1000).capacity(), 1024);
        assert_eq!(ByteRing::new(1024).capacity(), 1024);
        assert_eq!(ByteRing::new(0).capacity(), 2);
    }

    #[test]
    fn empty_and_full() {
        let ring = ByteRing::new(4);
        assert!(ring.is_empty());
        assert_eq!(ring.pop(), None);
        for b in 0..4 {
            assert!(ring.push(b));
        }
        assert!(!ring.push(9), "full");
        assert_eq!(ring.len(), 4);
        assert_eq!(ring.push_slice(b"xyz"), 0);
        assert_eq!(ring.pop(), Some(0));
        assert!(ring.push(4));
        let mut out = [0u8; 8];
        assert_eq!(ring.pop_slice(&mut out), 4);
        assert_eq!(&out[..4], &[1, 2, 3, 4]);
        assert!(ring.is_empty());
    }

    #[test]
    fn wraps_around_many_times() {
        let ring = ByteRing::new(8);
        let mut expected = 0u8;
        let mut next = 0u8;
        for round in 0..1000 {
            let n = ring
                .push_slice(&[next, next.wrapping_add(1), next.wrapping_add(2)][..(round % 3) + 1]);
            next = next.wrapping_add(n as u8);
            let mut out = [0u8; 2];
            let n = ring.pop_slice(&mut out);
            for &b in &out[..n] {
                assert_eq!(b, expected);
                expected = expected.wrapping_add(1);
            }
        }
        while let Some(b) = ring.pop() {
            assert_eq!(b, expected);
            expected = expected.wrapping_add(1);
        }
        assert_eq!(expected, next);
    }

    #[test]
    fn a_loss_is_reported_with_the_first_byte_after_it() {
        let ring = ByteRing::new(8);
        ring.mark_lost(2); // before anything: reported with the first byte
        assert!(ring.push(b'a'));
        assert_eq!(ring.push_slice(b"bc"), 2);
        ring.mark_lost(1);
        ring.mark_lost(3); // two losses in a row: one gap
        let mut out = [0u8; 8];
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 3, lost_before: 2 });
        assert_eq!(&out[..3], b"abc");
        assert_eq!(ring.pop_slice_marked(&mut out), Popped::default(), "a gap alone waits");
        assert_eq!(ring.push_slice(b"de"), 2);
        assert!(ring.push(b'f'));
        ring.mark_lost(1);
        assert!(ring.push(b'g'));
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 3, lost_before: 4 });
        assert_eq!(&out[..3], b"def", "stops before the byte after the next gap");
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 1, lost_before: 1 });
        assert_eq!(&out[..1], b"g");
        assert_eq!(ring.pop_slice_marked(&mut out), Popped::default());
    }

    #[test]
    fn a_full_ring_leaves_a_gap_where_it_dropped() {
        let ring = ByteRing::new(4);
        for byte in *b"abcdefg" {
            if !ring.push(byte) {
                ring.mark_lost(1);
            }
        }
        let mut out = [0u8; 2];
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 2, lost_before: 0 });
        assert!(ring.push(b'h') && ring.push(b'i'));
        let mut out = [0u8; 8];
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 2, lost_before: 0 });
        assert_eq!(&out[..2], b"cd");
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 2, lost_before: 3 });
        assert_eq!(&out[..2], b"hi", "e, f and g were lost before h");
        // Plain pops ignore the marks; a huge loss reads as the most a cell holds.
        ring.mark_lost(usize::MAX);
        ring.mark_lost(1);
        assert!(ring.push(b'j') && ring.push(b'k'));
        assert_eq!(ring.pop(), Some(b'j'));
        ring.mark_lost(1000);
        assert!(ring.push(b'l'));
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 1, lost_before: 0 });
        assert_eq!(ring.pop_slice_marked(&mut out), Popped { bytes: 1, lost_before: 255 });
        assert_eq!(&out[..1], b"l");
    }

    #[test]
    fn one_producer_thread_one_consumer_thread() {
        let ring = Arc::new(ByteRing::new(64));
        const N: usize = if cfg!(miri) { 2_000 } else { 1_000_000 };
        let producer = {
            let ring = ring.clone();
            std::thread::spawn(move || {
                let mut i = 0usize;
                while i < N {
                    if ring.push(i as u8) {
                        i += 1;
                    } else {
                        std::thread::yield_now();
                    }
                }
            })
        };
        let mut got = 0usize;
        let mut out = [0u8; 16];
        while got < N {
            let n = ring.pop_slice(&mut out);
            for &b in &out[..n] {
                assert_eq!(b, got as u8, "in order, none lost");
                got += 1;
            }
            if n == 0 {
                std::thread::yield_now();
            }
        }
        producer.join().unwrap();
        assert!(ring.is_empty());
    }

    #[test]
    fn gaps_arrive_in_place_across_threads() {
        // The producer skips every byte whose value is a multiple of 7 and
        // marks it lost; the consumer must see each gap right before the
        // byte that follows it, never anywhere else.
        let ring = Arc::new(ByteRing::new(32));
        const N: usize = if cfg!(miri) { 2_000 } else { 500_000 };
        let producer = {
            let ring = ring.clone();
            std::thread::spawn(move || {
                let mut i = 0usize;
                while i < N {
                    if i.is_multiple_of(7) {
                        ring.mark_lost(1);
                        i += 1;
                    } else if ring.push(i as u8) {
                        i += 1;
                    } else {
                        std::thread::yield_now();
                    }
                }
                ring.push(0xff); // carries the last gap, if any
            })
        };
        let mut next = 0usize;
        let mut out = [0u8; 16];
        while next < N {
            let popped = ring.pop_slice_marked(&mut out);
            for (k, &byte) in out[..popped.bytes].iter().enumerate() {
                let lost = if k == 0 { popped.lost_before } else { 0 };
                let expected_lost = usize::from(next.is_multiple_of(7));
                assert_eq!(lost, expected_lost, "gap before byte {next}");
                next += expected_lost;
                if next < N {
                    assert_eq!(byte, next as u8);
                }
                next += 1;
            }
            if popped.bytes == 0 {
                std::thread::yield_now();
            }
        }
        producer.join().unwrap();
    }
}
