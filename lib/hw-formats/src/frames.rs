//! Walking AArch64 frame-record chains: the frame-pointer backtrace.
//!
//! With frame pointers on, every function stores a 16-byte frame record
//! `{caller's x29, return address}` and points x29 at it, so the records form a
//! linked list from the innermost frame outwards. A crash can happen with a
//! corrupted chain, so the walk dereferences only addresses inside known stacks,
//! requires progress, and stops after a bounded number of frames.

use core::ops::Range;

/// Walks the frame records starting at `fp`, calling `visit` with each return
/// address, innermost first, and returns how many frames were visited.
///
/// `stacks` are the memory ranges frame records may live in; `read` loads a
/// 64-bit word (it is only ever called with 8-byte-aligned addresses inside
/// `stacks`). Within one stack each record must lie above the previous one; the
/// chain may cross into another stack (an interrupt frame linking to the
/// interrupted code), but never back into one it has left.
pub fn walk(
    mut fp: u64,
    stacks: &[Range<u64>],
    max_frames: usize,
    read: impl Fn(u64) -> u64,
    mut visit: impl FnMut(u64),
) -> usize {
    let mut frames = 0;
    let mut current: Option<usize> = None;
    let mut left: u64 = 0; // bit i: stack i was left and must not be re-entered
    while frames < max_frames && fp != 0 {
        if !fp.is_multiple_of(8) {
            break;
        }
        let Some(stack) =
            stacks.iter().position(|s| s.start <= fp && fp.saturating_add(16) <= s.end)
        else {
            break;
        };
        if stack < 64 && left & (1 << stack) != 0 {
            break;
        }
        if let Some(prev) = current
            && prev != stack
            && prev < 64
        {
            left |= 1 << prev;
        }
        current = Some(stack);
        let next = read(fp);
        let return_address = read(fp + 8);
        if return_address == 0 {
            break;
        }
        visit(return_address);
        frames += 1;
        if next != 0 && stacks.get(stack).is_some_and(|s| s.contains(&next)) && next <= fp {
            break; // no progress within the same stack: corrupt chain
        }
        fp = next;
    }
    frames
}

#[cfg(test)]
// A one-stack list is exactly what these tests mean, not a mistaken range.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn memory(words: &[(u64, u64)]) -> impl Fn(u64) -> u64 {
        let map: HashMap<u64, u64> = words.iter().copied().collect();
        move |addr| *map.get(&addr).unwrap_or_else(|| panic!("read outside the model at {addr:#x}"))
    }

    fn collect(fp: u64, stacks: &[Range<u64>], read: impl Fn(u64) -> u64) -> Vec<u64> {
        let mut out = Vec::new();
        let n = walk(fp, stacks, 32, read, |ra| out.push(ra));
        assert_eq!(n, out.len());
        out
    }

    #[test]
    fn follows_a_chain_to_its_end() {
        let read = memory(&[
            (0x1000, 0x1040),
            (0x1008, 0xa1),
            (0x1040, 0x1100),
            (0x1048, 0xa2),
            (0x1100, 0),
            (0x1108, 0xa3),
        ]);
        assert_eq!(collect(0x1000, &[0x1000..0x2000], read), [0xa1, 0xa2, 0xa3]);
    }

    #[test]
    fn stops_at_pointers_outside_the_stacks() {
        let read = memory(&[(0x1000, 0xdead_0000), (0x1008, 0xa1)]);
        assert_eq!(collect(0x1000, &[0x1000..0x2000], read), [0xa1]);
        assert!(collect(0x5000, &[0x1000..0x2000], memory(&[])).is_empty());
        assert!(
            collect(0x1ff8, &[0x1000..0x2000], memory(&[])).is_empty(),
            "record crosses the end"
        );
    }

    #[test]
    fn stops_on_loops_and_misalignment() {
        let read = memory(&[(0x1040, 0x1040), (0x1048, 0xa1)]);
        assert_eq!(collect(0x1040, &[0x1000..0x2000], read), [0xa1]);
        let read = memory(&[(0x1040, 0x1020), (0x1048, 0xa1)]);
        assert_eq!(collect(0x1040, &[0x1000..0x2000], read), [0xa1], "going down is corrupt");
        assert!(collect(0x1004, &[0x1000..0x2000], memory(&[])).is_empty());
    }

    #[test]
    fn crosses_from_exception_stack_to_kernel_stack_once() {
        // Exception stack at 0x8000.., kernel stack at 0x1000..: the IRQ frame links down.
        let stacks = [0x1000..0x2000, 0x8000..0x9000];
        let read = memory(&[
            (0x8100, 0x8200),
            (0x8108, 0xe1),
            (0x8200, 0x1800),
            (0x8208, 0xe2),
            (0x1800, 0x1900),
            (0x1808, 0xb1),
            (0x1900, 0x8300),
            (0x1908, 0xb2), // would go back to the exception stack
        ]);
        assert_eq!(collect(0x8100, &stacks, read), [0xe1, 0xe2, 0xb1, 0xb2]);
    }

    #[test]
    fn bounded_by_max_frames() {
        let read = |addr: u64| if addr.is_multiple_of(16) { addr + 16 } else { 0xaa };
        let mut n = 0;
        assert_eq!(walk(0x1000, &[0x1000..0x10_0000], 5, read, |_| n += 1), 5);
        assert_eq!(n, 5);
    }

    #[test]
    fn zero_return_address_ends_the_walk() {
        let read = memory(&[(0x1000, 0x1040), (0x1008, 0)]);
        assert!(collect(0x1000, &[0x1000..0x2000], read).is_empty());
    }
}
