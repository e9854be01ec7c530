//! Deterministic pseudo-random byte streams for serial-link tests: the QEMU
//! test runner and the test kernels generate the same bytes from the same
//! seed (xorshift64*), so neither has to ship the data.

/// An endless stream of pseudo-random bytes from a seed.
#[derive(Clone, Debug)]
pub struct Pattern {
    state: u64,
}

impl Pattern {
    /// The stream for `seed` (any value; 0 is remapped).
    pub const fn new(seed: u64) -> Self {
        Self { state: if seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { seed } }
    }

    /// The next byte.
    pub fn next_byte(&mut self) -> u8 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
    }

    /// Fills `out` with the next bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            *b = self.next_byte();
        }
    }
}

impl Iterator for Pattern {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        Some(self.next_byte())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_all_values_appear() {
        let a: Vec<u8> = Pattern::new(42).take(4096).collect();
        let b: Vec<u8> = Pattern::new(42).take(4096).collect();
        assert_eq!(a, b);
        assert_ne!(a, Pattern::new(43).take(4096).collect::<Vec<u8>>());
        let mut seen = [false; 256];
        for &x in &a {
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every byte value, including CR, LF and NUL");
    }
}
