//! A lock-free single-producer single-consumer byte ring.
//!
//! The UART's receive interrupt handler is the producer, the reader task the
//! consumer: neither ever waits for the other, and no lock is needed. Every
//! cell is an `AtomicU8` (a plain byte load/store on AArch64), and the two
//! indices publish with release/acquire ordering, so the ring is safe Rust;
//! the single-producer / single-consumer rule is what makes the bytes come
//! out in order, not what keeps it sound.
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
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// A ring of bytes with a power-of-two capacity.
#[derive(Debug)]
pub struct ByteRing {
    cells: Box<[AtomicU8]>,
    mask: usize,
    /// Total bytes ever pushed (only the producer writes it).
    head: AtomicUsize,
    /// Total bytes ever popped (only the consumer writes it).
    tail: AtomicUsize,
}

impl ByteRing {
    /// A ring holding `capacity` bytes, rounded up to a power of two (at least 2).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2).next_power_of_two();
        let cells: Vec<AtomicU8> = (0..capacity).map(|_| AtomicU8::new(0)).collect();
        Self {
            cells: cells.into_boxed_slice(),
            mask: capacity - 1,
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        }
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
        self.cells[head & self.mask].store(byte, Ordering::Relaxed);
        self.head.store(head.wrapping_add(1), Ordering::Release);
        true
    }

    /// Producer: appends as much of `bytes` as fits; returns how many.
    pub fn push_slice(&self, bytes: &[u8]) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let free = self.capacity() - head.wrapping_sub(tail);
        let n = free.min(bytes.len());
        for (i, &byte) in bytes[..n].iter().enumerate() {
            self.cells[head.wrapping_add(i) & self.mask].store(byte, Ordering::Relaxed);
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
        let byte = self.cells[tail & self.mask].load(Ordering::Relaxed);
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
            *slot = self.cells[tail.wrapping_add(i) & self.mask].load(Ordering::Relaxed);
        }
        self.tail.store(tail.wrapping_add(n), Ordering::Release);
        n
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
}
