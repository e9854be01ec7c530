//! Line assembly from a byte stream: the logic behind `read_line`.
//!
//! * `\r`, `\n` and `\r\n` each end a line (a `\n` right after a `\r` is part
//!   of the same line ending, not an empty line).
//! * A line longer than the limit is an error the caller sees as soon as the
//!   limit is crossed; the rest of that line is then discarded up to its end.
//! * Every other byte — NUL, control characters, invalid UTF-8 — is data: the
//!   caller decides what to make of it. Nothing here can panic on any input.

extern crate alloc;

use alloc::vec::Vec;

/// What feeding one byte produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Nothing yet: the byte was stored, skipped or discarded.
    Pending,
    /// A line ended; [`LineAssembler::line`] holds it until the next feed.
    Line,
    /// The current line exceeded the limit: reported once, the rest of the
    /// line will be discarded.
    TooLong,
}

/// Assembles lines of at most `max` bytes.
#[derive(Debug)]
pub struct LineAssembler {
    buffer: Vec<u8>,
    max: usize,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Collecting a line.
    Collecting,
    /// Just ended a line on `\r`: a following `\n` belongs to it.
    AfterCr,
    /// Discarding the rest of an over-long line.
    Discarding,
    /// A line was returned; clear the buffer on the next byte.
    Returned { after_cr: bool },
}

impl LineAssembler {
    /// An assembler for lines of at most `max` bytes (terminator excluded).
    pub fn new(max: usize) -> Self {
        Self { buffer: Vec::with_capacity(max), max, state: State::Collecting }
    }

    /// The longest line accepted.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The line just completed (valid right after [`Feed::Line`]).
    pub fn line(&self) -> &[u8] {
        &self.buffer
    }

    /// Feeds one byte.
    pub fn feed(&mut self, byte: u8) -> Feed {
        if let State::Returned { after_cr } = self.state {
            self.buffer.clear();
            self.state = if after_cr { State::AfterCr } else { State::Collecting };
        }
        match (self.state, byte) {
            (State::AfterCr, b'\n') => {
                self.state = State::Collecting;
                Feed::Pending
            }
            (State::Discarding, b'\r' | b'\n') => {
                self.buffer.clear();
                self.state = if byte == b'\r' { State::AfterCr } else { State::Collecting };
                Feed::Pending
            }
            (State::Discarding, _) => Feed::Pending,
            (_, b'\r' | b'\n') => {
                self.state = State::Returned { after_cr: byte == b'\r' };
                Feed::Line
            }
            (_, _) => {
                self.state = State::Collecting;
                if self.buffer.len() >= self.max {
                    self.buffer.clear();
                    self.state = State::Discarding;
                    return Feed::TooLong;
                }
                self.buffer.push(byte);
                Feed::Pending
            }
        }
    }

    /// Drops a partly assembled line (e.g. on Ctrl-C) and starts afresh.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.state = State::Collecting;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input`, returning each event as text.
    fn run(max: usize, input: &[u8]) -> Vec<String> {
        let mut a = LineAssembler::new(max);
        let mut out = Vec::new();
        for &b in input {
            match a.feed(b) {
                Feed::Pending => {}
                Feed::Line => out.push(format!("line {:?}", String::from_utf8_lossy(a.line()))),
                Feed::TooLong => out.push("too long".to_string()),
            }
        }
        out
    }

    #[test]
    fn every_line_ending_works() {
        assert_eq!(
            run(16, b"a\rb\nc\r\nd\r"),
            ["line \"a\"", "line \"b\"", "line \"c\"", "line \"d\""]
        );
    }

    #[test]
    fn crlf_split_across_reads_is_one_ending() {
        let mut a = LineAssembler::new(8);
        assert_eq!(a.feed(b'x'), Feed::Pending);
        assert_eq!(a.feed(b'\r'), Feed::Line);
        assert_eq!(a.line(), b"x");
        // ... a later read delivers the LF:
        assert_eq!(a.feed(b'\n'), Feed::Pending);
        assert_eq!(a.feed(b'y'), Feed::Pending);
        assert_eq!(a.feed(b'\n'), Feed::Line);
        assert_eq!(a.line(), b"y");
    }

    #[test]
    fn empty_lines() {
        assert_eq!(run(4, b"\n\n\r\r\n"), ["line \"\"", "line \"\"", "line \"\"", "line \"\""]);
        assert_eq!(run(4, b"\n\r"), ["line \"\"", "line \"\""], "LF then CR is two endings");
    }

    #[test]
    fn over_long_line_is_reported_once_and_discarded() {
        assert_eq!(run(3, b"abcdefgh\nok\n"), ["too long", "line \"ok\""]);
        assert_eq!(run(3, b"abc\n"), ["line \"abc\""], "exactly the limit is fine");
        assert_eq!(run(3, b"abcd\r\nxy\r\n"), ["too long", "line \"xy\""]);
    }

    #[test]
    fn binary_garbage_and_nul_are_data() {
        let mut input: Vec<u8> = (0u8..=255).filter(|b| *b != b'\r' && *b != b'\n').collect();
        input.push(b'\n');
        let mut a = LineAssembler::new(300);
        let mut lines = 0;
        for &b in &input {
            if a.feed(b) == Feed::Line {
                lines += 1;
                assert_eq!(a.line().len(), 254);
                assert_eq!(a.line()[0], 0, "NUL kept");
            }
        }
        assert_eq!(lines, 1);
    }

    #[test]
    fn a_flood_never_grows_the_buffer() {
        let mut a = LineAssembler::new(256);
        let mut too_long = 0;
        for i in 0..100_000u32 {
            if a.feed((i % 200) as u8 + 20) == Feed::TooLong {
                too_long += 1;
            }
            assert!(a.line().len() <= 256);
        }
        assert_eq!(too_long, 1);
        assert_eq!(a.feed(b'\n'), Feed::Pending, "the discarded line just ends");
        assert_eq!(a.feed(b'\n'), Feed::Line);
    }

    #[test]
    fn reset_drops_a_partial_line() {
        let mut a = LineAssembler::new(8);
        a.feed(b'a');
        a.feed(b'b');
        a.reset();
        a.feed(b'c');
        assert_eq!(a.feed(b'\n'), Feed::Line);
        assert_eq!(a.line(), b"c");
    }
}
