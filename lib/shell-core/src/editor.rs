//! The shell's line editor: turns the bytes a raw terminal sends into lines.
//!
//! The terminal is expected to be in raw mode (no local echo, no line
//! buffering), so the editor echoes what is typed and redraws the line after
//! edits. The shell prints its own prompt before the first byte of a line; the
//! editor only ever writes bytes that keep the terminal's view of the *edit
//! area* (the columns after the prompt) equal to [`Editor::line`], with the
//! terminal cursor at [`Editor::cursor`]. It uses nothing beyond `\x08`,
//! `\r\n`, printable ASCII and the ANSI sequences `ESC [ n D` (left),
//! `ESC [ n C` (right) and `ESC [ K` (erase to end of line).
//!
//! # Keys
//!
//! | input                                                  | effect                   |
//! |--------------------------------------------------------|--------------------------|
//! | printable ASCII `0x20..=0x7e`                          | inserted at the cursor   |
//! | `\r`, `\n` (`\r\n` and `\n\r` count once)              | [`Event::Submit`]        |
//! | Ctrl-C (`0x03`)                                        | [`Event::Interrupt`]     |
//! | Backspace (`0x08`), DEL (`0x7f`)                       | delete before the cursor |
//! | `ESC [ 3 ~` (Delete)                                   | delete under the cursor  |
//! | Ctrl-U (`0x15`)                                        | delete the whole line    |
//! | `ESC [ D` / `ESC [ C` (also `ESC O D` / `ESC O C`)     | cursor left / right      |
//! | `ESC [ H`, `ESC O H`, `ESC [ 1 ~`, `ESC [ 7 ~`, Ctrl-A | cursor to start of line  |
//! | `ESC [ F`, `ESC O F`, `ESC [ 4 ~`, `ESC [ 8 ~`, Ctrl-E | cursor to end of line    |
//! | `ESC [ A` / `ESC [ B` (also `ESC O A` / `ESC O B`)     | history previous / next  |
//!
//! Arrow, Home and End sequences carrying a modifier parameter (such as
//! `ESC [ 1 ; 5 C`, Ctrl-Right) act like the plain key.
//!
//! Everything else is ignored without echo: other control bytes, bytes
//! `0x80..=0xff` (the editor handles ASCII only), complete escape sequences
//! it does not know (function keys, `ESC [ 2 ~`, bracketed-paste markers, …)
//! and `ESC` followed by a printable byte (an Alt-key chord). An escape
//! sequence interrupted by a control byte is abandoned and the control byte
//! then acts as usual, so `ESC` followed by Enter still submits the line; a
//! non-ASCII byte, or a parameter byte after an intermediate byte, abandons a
//! sequence and is dropped.
//! A control sequence with more than 16 parameter bytes stops recording them
//! and is swallowed, unacted upon, up to its final byte.
//!
//! # Line limit
//!
//! A printable byte that would make the line longer than the limit abandons
//! the line: the editor writes `\r\n`, returns [`Event::TooLong`] and then
//! swallows every byte, without echo, up to the next line end (which returns
//! [`Event::DiscardedLineEnded`]) or Ctrl-C (which returns
//! [`Event::Interrupt`]).
//!
//! # History
//!
//! Submitted lines that are not empty and differ from the most recent entry
//! are appended to the history; when it is full the oldest entry is dropped.
//! Up and Down browse it; the line being typed when browsing began is kept as
//! a draft and comes back when Down passes the newest entry. Editing a
//! recalled line ends browsing: the edited line becomes the line being typed
//! (so a later Up saves it as the draft and Down right after an edit does
//! nothing), and no history entry is ever modified.
//!
//! # Guarantees
//!
//! [`Editor::feed`] never panics, whatever the bytes; [`Editor::line`] is
//! always printable ASCII and at most `max_line` bytes long; the output of one
//! call is at most `max_line + 32` bytes.

#![forbid(unsafe_code)]

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

/// Longest line the shell accepts by default (bytes).
pub const DEFAULT_MAX_LINE: usize = 256;
/// History entries kept by default.
pub const DEFAULT_HISTORY: usize = 32;

/// Parameter bytes of a control sequence the editor records; longer
/// sequences are swallowed without being acted on.
const MAX_CSI_PARAMS: usize = 16;

const CTRL_A: u8 = 0x01;
const CTRL_C: u8 = 0x03;
const CTRL_E: u8 = 0x05;
const BS: u8 = 0x08;
const LF: u8 = b'\n';
const CR: u8 = b'\r';
const CTRL_U: u8 = 0x15;
const ESC: u8 = 0x1b;
const DEL: u8 = 0x7f;

/// What a byte completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Enter: the line, possibly empty (also added to the history if it is
    /// not empty and differs from the most recent entry). The editor has
    /// written `\r\n` and starts a fresh, empty line.
    Submit(String),
    /// Ctrl-C: the line was abandoned. The editor has written `^C\r\n` and
    /// starts a fresh, empty line.
    Interrupt,
    /// The line passed the limit: it is abandoned (the editor has written
    /// `\r\n`), and the rest of it, up to Enter, is swallowed without echo.
    TooLong,
    /// Enter ended a line abandoned as too long. Nothing was written; the
    /// editor starts a fresh, empty line.
    DiscardedLineEnded,
}

/// A key decoded from an escape sequence or a control byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Delete,
}

/// Where the editor is within an escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    /// Not in a sequence.
    Idle,
    /// After `ESC`.
    Esc,
    /// After `ESC [`: a control sequence.
    Csi(Csi),
    /// After `ESC O`: one final byte follows.
    Ss3,
}

/// A control sequence being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Csi {
    /// Parameter bytes (`0x30..=0x3f`) seen so far, up to [`MAX_CSI_PARAMS`].
    params: [u8; MAX_CSI_PARAMS],
    /// How many of `params` are used.
    len: usize,
    /// An intermediate byte (`0x20..=0x2f`) was seen: no key of ours has one.
    intermediate: bool,
    /// More parameter bytes came than `params` holds.
    overflow: bool,
}

impl Csi {
    const fn new() -> Self {
        Self { params: [0; MAX_CSI_PARAMS], len: 0, intermediate: false, overflow: false }
    }
}

/// What the escape-sequence parser made of a byte.
enum Step {
    /// The byte belonged to a sequence (possibly completing an unknown one).
    Swallowed,
    /// The byte completed the sequence of a key.
    Key(Key),
    /// The byte is not part of a sequence: handle it as a plain byte.
    Plain(u8),
}

/// A line editor for a raw terminal: echo, editing keys, history, ANSI
/// escape sequences and a line-length limit. See the [module
/// documentation](self) for the keys and the guarantees.
#[derive(Debug)]
pub struct Editor {
    /// Longest accepted line (bytes).
    max_line: usize,
    /// Most history entries kept.
    history_cap: usize,
    /// The line being edited: printable ASCII only.
    line: String,
    /// Cursor position in `line` (bytes = columns).
    cursor: usize,
    /// History, oldest first.
    history: VecDeque<String>,
    /// Index in `history` of the entry shown while browsing.
    browsing: Option<usize>,
    /// The line being typed when browsing began.
    draft: String,
    /// Escape-sequence parser state.
    escape: Escape,
    /// A too-long line is being swallowed up to its end.
    discarding: bool,
    /// The line terminator that, if it is the very next byte, pairs with the
    /// one that just ended a line (`\n` after `\r`, `\r` after `\n`) and is
    /// swallowed.
    pair: Option<u8>,
    /// The last submit added its line to the history.
    remembered_last: bool,
}

impl Default for Editor {
    /// An editor with [`DEFAULT_MAX_LINE`] and [`DEFAULT_HISTORY`].
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY)
    }
}

impl Editor {
    /// An editor for lines of at most `max_line` bytes keeping `history`
    /// entries (`0`: no history).
    pub fn new(max_line: usize, history: usize) -> Self {
        Self {
            max_line,
            history_cap: history,
            line: String::with_capacity(max_line.min(DEFAULT_MAX_LINE)),
            cursor: 0,
            history: VecDeque::new(),
            browsing: None,
            draft: String::new(),
            escape: Escape::Idle,
            discarding: false,
            pair: None,
            remembered_last: false,
        }
    }

    /// Feeds one input byte. Terminal output (echo, redraws) is appended to
    /// `out`; returns an event when the byte completes one.
    ///
    /// Never panics; appends at most `max_line + 32` bytes.
    pub fn feed(&mut self, byte: u8, out: &mut Vec<u8>) -> Option<Event> {
        // The second half of a `\r\n` or `\n\r` pair only counts if it is the
        // very next byte.
        let pair = self.pair.take();
        if pair == Some(byte) {
            return None;
        }

        if self.discarding {
            return match byte {
                CR | LF => {
                    self.discarding = false;
                    self.pair = Some(other_terminator(byte));
                    Some(Event::DiscardedLineEnded)
                }
                CTRL_C => {
                    self.discarding = false;
                    out.extend_from_slice(b"^C\r\n");
                    Some(Event::Interrupt)
                }
                _ => None,
            };
        }

        match self.escape_step(byte) {
            Step::Swallowed => None,
            Step::Key(key) => {
                self.key(key, out);
                None
            }
            Step::Plain(byte) => self.plain(byte, out),
        }
    }

    /// The line being edited (printable ASCII, at most `max_line` bytes).
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Cursor position within the line (bytes from the start, at most
    /// `line().len()`).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The longest line accepted (bytes).
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Number of lines in the history.
    pub fn history_len(&self) -> usize {
        self.history.len()
    }

    /// The history, oldest entry first.
    pub fn history(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.history.iter().map(String::as_str)
    }

    /// Starts a fresh, empty line (after a command ran): clears the line, the
    /// cursor, any half-read escape sequence, the swallowing of a too-long
    /// line and history browsing. Writes nothing.
    ///
    /// The history is kept, and so is the pairing of line terminators: the
    /// `\n` of a `\r\n` that arrives after the command ran still counts as
    /// part of the line end it belongs to.
    pub fn reset(&mut self) {
        self.line.clear();
        self.cursor = 0;
        self.escape = Escape::Idle;
        self.discarding = false;
        self.browsing = None;
        self.draft.clear();
    }

    /// Takes the line just submitted back out of the history (if submitting
    /// added it): for a line the caller refuses, which must not be recalled
    /// as if it had been typed like that.
    pub fn forget_last_submit(&mut self) {
        if core::mem::take(&mut self.remembered_last) {
            self.history.pop_back();
        }
    }

    /// Forgets the line end that just happened, so a `\n` (or `\r`) that
    /// comes next starts a new line of its own. For when the bytes after the
    /// line were consumed by someone else (the shell's `crc32` reads raw
    /// data): the next byte the editor sees did not directly follow the line end.
    pub fn forget_line_end(&mut self) {
        self.pair = None;
    }

    /// Advances the escape-sequence parser by one byte.
    fn escape_step(&mut self, byte: u8) -> Step {
        match self.escape {
            Escape::Idle => Step::Plain(byte),
            Escape::Esc => {
                self.escape = Escape::Idle;
                match byte {
                    b'[' => {
                        self.escape = Escape::Csi(Csi::new());
                        Step::Swallowed
                    }
                    b'O' => {
                        self.escape = Escape::Ss3;
                        Step::Swallowed
                    }
                    // Alt + key: not supported, swallowed whole.
                    0x20..=0x7e => Step::Swallowed,
                    // A control byte (including another ESC) or a non-ASCII
                    // byte abandons the sequence and is handled as usual.
                    _ => Step::Plain(byte),
                }
            }
            Escape::Ss3 => {
                self.escape = Escape::Idle;
                match byte {
                    0x20..=0x7e => ss3_key(byte).map_or(Step::Swallowed, Step::Key),
                    _ => Step::Plain(byte),
                }
            }
            Escape::Csi(mut csi) => match byte {
                0x30..=0x3f if csi.intermediate => {
                    // Parameters after an intermediate byte: malformed, the
                    // sequence is abandoned and the byte dropped.
                    self.escape = Escape::Idle;
                    Step::Swallowed
                }
                0x30..=0x3f => {
                    if let Some(slot) = csi.params.get_mut(csi.len) {
                        *slot = byte;
                        csi.len += 1;
                    } else {
                        csi.overflow = true;
                    }
                    self.escape = Escape::Csi(csi);
                    Step::Swallowed
                }
                0x20..=0x2f => {
                    csi.intermediate = true;
                    self.escape = Escape::Csi(csi);
                    Step::Swallowed
                }
                0x40..=0x7e => {
                    self.escape = Escape::Idle;
                    if csi.intermediate || csi.overflow {
                        return Step::Swallowed;
                    }
                    let params = csi.params.get(..csi.len).unwrap_or(&[]);
                    csi_key(params, byte).map_or(Step::Swallowed, Step::Key)
                }
                _ => {
                    self.escape = Escape::Idle;
                    Step::Plain(byte)
                }
            },
        }
    }

    /// Handles a byte outside escape sequences.
    fn plain(&mut self, byte: u8, out: &mut Vec<u8>) -> Option<Event> {
        match byte {
            ESC => {
                self.escape = Escape::Esc;
                None
            }
            CR | LF => {
                self.pair = Some(other_terminator(byte));
                Some(self.submit(out))
            }
            CTRL_C => {
                out.extend_from_slice(b"^C\r\n");
                self.reset();
                Some(Event::Interrupt)
            }
            BS | DEL => {
                self.backspace(out);
                None
            }
            CTRL_U => {
                self.kill_line(out);
                None
            }
            CTRL_A => {
                self.key(Key::Home, out);
                None
            }
            CTRL_E => {
                self.key(Key::End, out);
                None
            }
            0x20..=0x7e => self.insert(byte, out),
            _ => None,
        }
    }

    /// Handles a cursor, history or delete key.
    fn key(&mut self, key: Key, out: &mut Vec<u8>) {
        match key {
            Key::Left => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    cursor_left(out, 1);
                }
            }
            Key::Right => {
                if self.cursor < self.line.len() {
                    self.cursor += 1;
                    cursor_right(out, 1);
                }
            }
            Key::Home => {
                cursor_left(out, self.cursor);
                self.cursor = 0;
            }
            Key::End => {
                cursor_right(out, self.line.len() - self.cursor);
                self.cursor = self.line.len();
            }
            Key::Delete => {
                if self.cursor < self.line.len() {
                    self.edited();
                    self.remove_at_cursor();
                    self.redraw_tail_after_delete(out);
                }
            }
            Key::Up => self.history_prev(out),
            Key::Down => self.history_next(out),
        }
    }

    /// Inserts a printable byte at the cursor, or abandons the line if it
    /// would become too long.
    fn insert(&mut self, byte: u8, out: &mut Vec<u8>) -> Option<Event> {
        if self.line.len() >= self.max_line {
            out.extend_from_slice(b"\r\n");
            self.reset();
            self.discarding = true;
            return Some(Event::TooLong);
        }
        self.edited();
        self.line.insert(self.cursor, char::from(byte));
        self.cursor += 1;
        // The inserted byte and everything after it, then back over the tail.
        let tail = &self.line.as_bytes()[self.cursor - 1..];
        out.extend_from_slice(tail);
        cursor_left(out, tail.len() - 1);
        None
    }

    /// Removes the byte at the cursor from the line (printable ASCII only,
    /// so every byte is a character). Not `String::remove`: its panic path
    /// formats the character it splits, which pulls Unicode tables (about
    /// 3 KiB) into the kernel image.
    fn remove_at_cursor(&mut self) {
        let tail = self.line.split_off(self.cursor + 1);
        self.line.pop();
        self.line.push_str(&tail);
    }

    /// Deletes the byte before the cursor.
    fn backspace(&mut self, out: &mut Vec<u8>) {
        if self.cursor == 0 {
            return;
        }
        self.edited();
        self.cursor -= 1;
        self.remove_at_cursor();
        out.push(BS);
        self.redraw_tail_after_delete(out);
    }

    /// After one byte at the cursor was deleted (with the terminal cursor at
    /// the cursor): redraws the tail, blanks the column it vacated and moves
    /// back.
    fn redraw_tail_after_delete(&self, out: &mut Vec<u8>) {
        let tail = &self.line.as_bytes()[self.cursor..];
        out.extend_from_slice(tail);
        out.push(b' ');
        // At the end of the line this is the classic "\x08 \x08".
        if tail.is_empty() {
            out.push(BS);
        } else {
            cursor_left(out, tail.len() + 1);
        }
    }

    /// Ctrl-U: deletes the whole line.
    fn kill_line(&mut self, out: &mut Vec<u8>) {
        if self.line.is_empty() {
            return;
        }
        self.edited();
        self.show(String::new(), out);
    }

    /// Replaces the displayed line by `new`, cursor at its end.
    fn show(&mut self, new: String, out: &mut Vec<u8>) {
        cursor_left(out, self.cursor);
        if !self.line.is_empty() {
            out.extend_from_slice(b"\x1b[K");
        }
        out.extend_from_slice(new.as_bytes());
        self.line = new;
        self.cursor = self.line.len();
    }

    /// Up: shows the previous history entry.
    fn history_prev(&mut self, out: &mut Vec<u8>) {
        let index = match self.browsing {
            None if self.history.is_empty() => return,
            None => {
                self.draft.clone_from(&self.line);
                self.history.len() - 1
            }
            Some(0) => return,
            Some(index) => index - 1,
        };
        let Some(entry) = self.history.get(index).cloned() else { return };
        self.browsing = Some(index);
        self.show(entry, out);
    }

    /// Down: shows the next history entry, or the draft after the newest.
    fn history_next(&mut self, out: &mut Vec<u8>) {
        let Some(index) = self.browsing else { return };
        let next = match self.history.get(index + 1) {
            Some(entry) => {
                self.browsing = Some(index + 1);
                entry.clone()
            }
            None => {
                self.browsing = None;
                core::mem::take(&mut self.draft)
            }
        };
        self.show(next, out);
    }

    /// The line is about to be modified: a recalled entry becomes the line
    /// being typed.
    fn edited(&mut self) {
        if self.browsing.take().is_some() {
            self.draft.clear();
        }
    }

    /// Enter: ends the line.
    fn submit(&mut self, out: &mut Vec<u8>) -> Event {
        out.extend_from_slice(b"\r\n");
        let line = core::mem::take(&mut self.line);
        self.reset();
        self.remember(&line);
        Event::Submit(line)
    }

    /// Adds a submitted line to the history.
    fn remember(&mut self, line: &str) {
        self.remembered_last = false;
        if self.history_cap == 0
            || line.is_empty()
            || self.history.back().is_some_and(|last| last == line)
        {
            return;
        }
        while self.history.len() >= self.history_cap {
            self.history.pop_front();
        }
        self.history.push_back(String::from(line));
        self.remembered_last = true;
    }
}

/// `\n` for `\r`, `\r` for `\n`.
fn other_terminator(byte: u8) -> u8 {
    if byte == CR { LF } else { CR }
}

/// The key of `ESC O <final>`.
fn ss3_key(last: u8) -> Option<Key> {
    match last {
        b'A' => Some(Key::Up),
        b'B' => Some(Key::Down),
        b'C' => Some(Key::Right),
        b'D' => Some(Key::Left),
        b'H' => Some(Key::Home),
        b'F' => Some(Key::End),
        _ => None,
    }
}

/// The key of `ESC [ <params> <final>`.
fn csi_key(params: &[u8], last: u8) -> Option<Key> {
    // Only plain decimal parameters: private sequences (`<=>?`) and
    // sub-parameters (`:`) are none of our keys.
    if !params.iter().all(|b| b.is_ascii_digit() || *b == b';') {
        return None;
    }
    let first = params.split(|b| *b == b';').next().unwrap_or(&[]);
    let number =
        first.iter().fold(0u32, |n, d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')));
    match last {
        // Arrows, Home and End: no parameter, or `1;<modifier>`.
        b'A' | b'B' | b'C' | b'D' | b'H' | b'F' if number <= 1 => ss3_key(last),
        b'~' => match number {
            1 | 7 => Some(Key::Home),
            4 | 8 => Some(Key::End),
            3 => Some(Key::Delete),
            _ => None,
        },
        _ => None,
    }
}

/// Moves the terminal cursor `n` columns left.
fn cursor_left(out: &mut Vec<u8>, n: usize) {
    cursor_move(out, n, b'D');
}

/// Moves the terminal cursor `n` columns right.
fn cursor_right(out: &mut Vec<u8>, n: usize) {
    cursor_move(out, n, b'C');
}

/// `ESC [ n <dir>`, `ESC [ <dir>` for one column, nothing for none.
fn cursor_move(out: &mut Vec<u8>, n: usize, dir: u8) {
    if n == 0 {
        return;
    }
    out.extend_from_slice(b"\x1b[");
    if n > 1 {
        push_decimal(out, n);
    }
    out.push(dir);
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const UP: &[u8] = b"\x1b[A";
    const DOWN: &[u8] = b"\x1b[B";
    const LEFT: &[u8] = b"\x1b[D";
    const RIGHT: &[u8] = b"\x1b[C";

    /// A minimal terminal, enough to check the editor's redraws: rows of
    /// cells, a cursor column, `\x08`, `\r`, `\n`, printable bytes and
    /// `ESC [ n D`, `ESC [ n C`, `ESC [ K`. Anything else is counted in
    /// `unknown` and otherwise ignored; moving left of column 0 is counted in
    /// `errors`.
    #[derive(Default)]
    struct Term {
        /// Rows finished by `\n`.
        done: Vec<Vec<u8>>,
        /// The current row (cells past its end are blank).
        row: Vec<u8>,
        col: usize,
        /// A partly received escape sequence (the bytes after `ESC`).
        seq: Option<Vec<u8>>,
        unknown: usize,
        errors: usize,
    }

    impl Term {
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.byte(b);
            }
        }

        fn byte(&mut self, b: u8) {
            if let Some(seq) = &mut self.seq {
                seq.push(b);
                if seq.len() == 1 {
                    if b != b'[' {
                        self.unknown += 1;
                        self.seq = None;
                    }
                } else if (0x40..=0x7e).contains(&b) {
                    let seq = self.seq.take().unwrap();
                    self.csi(&seq[1..seq.len() - 1], b);
                } else if !(0x20..=0x3f).contains(&b) {
                    self.unknown += 1;
                    self.seq = None;
                }
                return;
            }
            match b {
                0x1b => self.seq = Some(Vec::new()),
                0x08 => match self.col.checked_sub(1) {
                    Some(col) => self.col = col,
                    None => self.errors += 1,
                },
                b'\r' => self.col = 0,
                b'\n' => self.done.push(core::mem::take(&mut self.row)),
                0x20..=0x7e => {
                    if self.row.len() <= self.col {
                        self.row.resize(self.col + 1, b' ');
                    }
                    self.row[self.col] = b;
                    self.col += 1;
                }
                _ => self.unknown += 1,
            }
        }

        fn csi(&mut self, params: &[u8], last: u8) {
            let n = if params.is_empty() {
                1
            } else if params.iter().all(u8::is_ascii_digit) {
                core::str::from_utf8(params).unwrap().parse::<usize>().unwrap()
            } else {
                self.unknown += 1;
                return;
            };
            match last {
                b'D' => match self.col.checked_sub(n) {
                    Some(col) => self.col = col,
                    None => self.errors += 1,
                },
                b'C' => self.col += n,
                b'K' if params.is_empty() || params == b"0" => self.row.truncate(self.col),
                _ => self.unknown += 1,
            }
        }

        /// The current row with trailing blanks dropped.
        fn text(&self) -> String {
            let s = core::str::from_utf8(&self.row).unwrap();
            String::from(s.trim_end_matches(' '))
        }

        /// The finished rows, trailing blanks dropped.
        fn done_text(&self) -> Vec<&str> {
            self.done
                .iter()
                .map(|row| core::str::from_utf8(row).unwrap().trim_end_matches(' '))
                .collect()
        }

        /// The screen shows exactly the editor's line, cursor included.
        fn assert_matches(&self, ed: &Editor) {
            assert_eq!(self.unknown, 0, "unexpected sequence written");
            assert_eq!(self.errors, 0, "cursor moved left of the edit area");
            assert_eq!(self.text(), ed.line().trim_end_matches(' '), "screen differs from line");
            assert_eq!(self.col, ed.cursor(), "screen cursor differs from editor cursor");
        }
    }

    /// An editor, a terminal and everything written and returned so far.
    struct Rig {
        ed: Editor,
        term: Term,
        out: Vec<u8>,
        events: Vec<Event>,
    }

    impl Rig {
        fn new(max_line: usize, history: usize) -> Self {
            Self {
                ed: Editor::new(max_line, history),
                term: Term::default(),
                out: Vec::new(),
                events: Vec::new(),
            }
        }

        /// Feeds `bytes`, checking the screen after each one that produced
        /// no event; returns the output they produced.
        fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
            let start = self.out.len();
            for &b in bytes {
                let before = self.out.len();
                let event = self.ed.feed(b, &mut self.out);
                self.term.write(&self.out[before..]);
                match event {
                    Some(event) => self.events.push(event),
                    None => self.term.assert_matches(&self.ed),
                }
                assert!(self.ed.line().len() <= self.ed.max_line());
                assert!(self.ed.cursor() <= self.ed.line().len());
            }
            self.out[start..].to_vec()
        }

        fn take_events(&mut self) -> Vec<Event> {
            core::mem::take(&mut self.events)
        }

        fn history(&self) -> Vec<&str> {
            self.ed.history().collect()
        }
    }

    fn submit(s: &str) -> Event {
        Event::Submit(String::from(s))
    }

    #[test]
    fn typing_and_submit() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        assert_eq!(rig.feed(b"help"), b"help");
        assert_eq!(rig.ed.line(), "help");
        assert_eq!(rig.ed.cursor(), 4);
        assert_eq!(rig.feed(b"\r"), b"\r\n");
        assert_eq!(rig.take_events(), vec![submit("help")]);
        assert_eq!(rig.ed.line(), "");
        assert_eq!(rig.ed.cursor(), 0);
        assert_eq!(rig.term.done_text(), ["help"]);
        assert_eq!(rig.history(), ["help"]);
    }

    #[test]
    fn a_refused_submit_leaves_the_history_as_it_was() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"echo a\recho b\r");
        rig.ed.forget_last_submit();
        assert_eq!(rig.history(), ["echo a"], "the refused line is not recalled");
        rig.ed.forget_last_submit();
        assert_eq!(rig.history(), ["echo a"], "only the line just submitted goes");
        // A refused line equal to the newest entry added nothing: the entry stays.
        rig.feed(b"echo a\r");
        rig.ed.forget_last_submit();
        assert_eq!(rig.history(), ["echo a"]);
        rig.take_events();
    }

    #[test]
    fn every_printable_byte_is_inserted() {
        let mut rig = Rig::new(200, 0);
        let all: Vec<u8> = (0x20..=0x7e).collect();
        assert_eq!(rig.feed(&all), all);
        assert_eq!(rig.ed.line().as_bytes(), &all[..]);
    }

    #[test]
    fn empty_line_submits() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        assert_eq!(rig.feed(b"\r"), b"\r\n");
        assert_eq!(rig.take_events(), vec![submit("")]);
        assert_eq!(rig.ed.history_len(), 0);
    }

    #[test]
    fn line_endings() {
        let cases: &[(&[u8], usize)] = &[
            (b"\r", 1),
            (b"\n", 1),
            (b"\r\n", 1),
            (b"\n\r", 1),
            (b"\r\r", 2),
            (b"\n\n", 2),
            (b"\r\n\r\n", 2),
            (b"\n\r\n\r", 2),
            (b"\r\n\n", 2),
            (b"\r\n\r", 2),
            (b"\r\r\n", 2),
        ];
        for &(input, lines) in cases {
            let mut ed = Editor::default();
            let mut out = Vec::new();
            let events: Vec<_> = input.iter().filter_map(|&b| ed.feed(b, &mut out)).collect();
            assert_eq!(events, vec![submit(""); lines], "input {input:?}");
            assert_eq!(out, b"\r\n".repeat(lines), "input {input:?}");
        }
    }

    #[test]
    fn crlf_between_lines() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"ls\r\nps\r\n\r\nx\n\ry\n");
        assert_eq!(
            rig.take_events(),
            vec![submit("ls"), submit("ps"), submit(""), submit("x"), submit("y")]
        );
    }

    #[test]
    fn terminator_pairs_only_when_adjacent() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        // "x" comes between: the `\n` is a line end of its own.
        rig.feed(b"\rx\n");
        assert_eq!(rig.take_events(), vec![submit(""), submit("x")]);
        // An ignored byte in between also breaks the pair.
        rig.feed(b"y\r\0\n");
        assert_eq!(rig.take_events(), vec![submit("y"), submit("")]);
    }

    #[test]
    fn reset_keeps_terminator_pairing() {
        let mut ed = Editor::default();
        let mut out = Vec::new();
        for &b in b"ls\r" {
            ed.feed(b, &mut out);
        }
        ed.reset();
        out.clear();
        assert_eq!(ed.feed(b'\n', &mut out), None);
        assert!(out.is_empty());
        assert_eq!(ed.feed(b'\n', &mut out), Some(submit("")));
    }

    #[test]
    fn forgetting_the_line_end_makes_the_next_terminator_a_new_line() {
        let mut editor = Editor::default();
        let mut out = Vec::new();
        for &b in b"ab" {
            editor.feed(b, &mut out);
        }
        assert_eq!(editor.feed(b'\r', &mut out), Some(Event::Submit("ab".into())));
        editor.forget_line_end();
        assert_eq!(editor.feed(b'\n', &mut out), Some(Event::Submit(String::new())));
    }

    #[test]
    fn backspace_at_end() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"abc");
        assert_eq!(rig.feed(b"\x08"), b"\x08 \x08");
        assert_eq!(rig.ed.line(), "ab");
        assert_eq!(rig.ed.cursor(), 2);
        assert_eq!(rig.feed(b"\x7f"), b"\x08 \x08");
        assert_eq!(rig.ed.line(), "a");
        rig.feed(b"\r");
        assert_eq!(rig.take_events(), vec![submit("a")]);
    }

    #[test]
    fn backspace_in_middle() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"abcd");
        rig.feed(LEFT);
        rig.feed(LEFT);
        assert_eq!(rig.feed(b"\x08"), b"\x08cd \x1b[3D");
        assert_eq!(rig.ed.line(), "acd");
        assert_eq!(rig.ed.cursor(), 1);
        assert_eq!(rig.feed(b"\x7f"), b"\x08cd \x1b[3D");
        assert_eq!(rig.ed.line(), "cd");
        assert_eq!(rig.ed.cursor(), 0);
        // At column 0: nothing to delete, nothing written.
        assert_eq!(rig.feed(b"\x08\x7f"), b"");
        assert_eq!(rig.ed.line(), "cd");
    }

    #[test]
    fn backspace_on_empty_line() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        assert_eq!(rig.feed(b"\x08\x7f\x08"), b"");
        assert_eq!(rig.ed.line(), "");
    }

    #[test]
    fn ctrl_u_kills_line() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"hello");
        assert_eq!(rig.feed(b"\x15"), b"\x1b[5D\x1b[K");
        assert_eq!(rig.ed.line(), "");
        assert_eq!(rig.ed.cursor(), 0);
        // Empty line: nothing to do.
        assert_eq!(rig.feed(b"\x15"), b"");
        // With the cursor in the middle.
        rig.feed(b"hello");
        rig.feed(LEFT);
        rig.feed(LEFT);
        rig.feed(b"\x15");
        assert_eq!(rig.ed.line(), "");
        rig.feed(b"\x01");
        rig.feed(b"x");
        assert_eq!(rig.ed.line(), "x");
        rig.feed(b"\x15");
        rig.feed(b"ok\r");
        assert_eq!(rig.take_events(), vec![submit("ok")]);
    }

    #[test]
    fn ctrl_c_interrupts() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"abc");
        rig.feed(LEFT);
        assert_eq!(rig.feed(b"\x03"), b"^C\r\n");
        assert_eq!(rig.take_events(), vec![Event::Interrupt]);
        assert_eq!(rig.ed.line(), "");
        assert_eq!(rig.ed.cursor(), 0);
        assert_eq!(rig.ed.history_len(), 0);
        rig.term = Term::default();
        rig.feed(b"x\r");
        assert_eq!(rig.take_events(), vec![submit("x")]);
        // On an empty line too.
        assert_eq!(rig.feed(b"\x03"), b"^C\r\n");
        assert_eq!(rig.take_events(), vec![Event::Interrupt]);
    }

    #[test]
    fn cursor_movement() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"hello");
        assert_eq!(rig.feed(RIGHT), b"", "right at end");
        assert_eq!(rig.feed(LEFT), b"\x1b[D");
        assert_eq!(rig.feed(LEFT), b"\x1b[D");
        assert_eq!(rig.ed.cursor(), 3);
        assert_eq!(rig.feed(RIGHT), b"\x1b[C");
        assert_eq!(rig.ed.cursor(), 4);
        assert_eq!(rig.feed(b"\x1b[H"), b"\x1b[4D");
        assert_eq!(rig.ed.cursor(), 0);
        assert_eq!(rig.feed(LEFT), b"", "left at start");
        assert_eq!(rig.feed(b"\x1b[H"), b"", "home at start");
        assert_eq!(rig.feed(b"\x1b[F"), b"\x1b[5C");
        assert_eq!(rig.ed.cursor(), 5);
        assert_eq!(rig.feed(b"\x1b[F"), b"", "end at end");
        assert_eq!(rig.ed.line(), "hello");
    }

    #[test]
    fn home_and_end_variants() {
        let homes: &[&[u8]] =
            &[b"\x1b[H", b"\x1bOH", b"\x1b[1~", b"\x1b[7~", b"\x01", b"\x1b[1;5H"];
        let ends: &[&[u8]] = &[b"\x1b[F", b"\x1bOF", b"\x1b[4~", b"\x1b[8~", b"\x05", b"\x1b[1;2F"];
        for home in homes {
            for end in ends {
                let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
                rig.feed(b"abc");
                rig.feed(LEFT);
                rig.feed(home);
                assert_eq!(rig.ed.cursor(), 0, "{home:?}");
                rig.feed(end);
                assert_eq!(rig.ed.cursor(), 3, "{end:?}");
                assert_eq!(rig.ed.line(), "abc");
            }
        }
    }

    #[test]
    fn insert_in_middle() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"helo");
        rig.feed(LEFT);
        assert_eq!(rig.feed(b"l"), b"lo\x1b[D");
        assert_eq!(rig.ed.line(), "hello");
        assert_eq!(rig.ed.cursor(), 4);
        rig.feed(b"\x01");
        assert_eq!(rig.feed(b">"), b">hello\x1b[5D");
        assert_eq!(rig.ed.line(), ">hello");
        assert_eq!(rig.ed.cursor(), 1);
        rig.feed(b"\r");
        assert_eq!(rig.take_events(), vec![submit(">hello")]);
        assert_eq!(rig.term.done_text(), [">hello"]);
    }

    #[test]
    fn delete_key() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"abcd");
        assert_eq!(rig.feed(b"\x1b[3~"), b"", "delete at end");
        rig.feed(b"\x01");
        assert_eq!(rig.feed(b"\x1b[3~"), b"bcd \x1b[4D");
        assert_eq!(rig.ed.line(), "bcd");
        assert_eq!(rig.ed.cursor(), 0);
        rig.feed(RIGHT);
        rig.feed(RIGHT);
        assert_eq!(rig.feed(b"\x1b[3~"), b" \x08", "delete the last byte");
        assert_eq!(rig.ed.line(), "bc");
        assert_eq!(rig.ed.cursor(), 2);
    }

    #[test]
    fn mixed_editing_keeps_screen_in_sync() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"echo world");
        for _ in 0..5 {
            rig.feed(LEFT);
        }
        rig.feed(b"hello ");
        rig.feed(b"\x1b[3~\x1b[3~");
        rig.feed(b"W\x1b[F!\x1b[1~\x1b[3~E\x7f");
        assert_eq!(rig.ed.line(), "cho hello Wrld!");
        rig.feed(b"\r");
        assert_eq!(rig.take_events(), vec![submit("cho hello Wrld!")]);
        assert_eq!(rig.term.done_text(), ["cho hello Wrld!"]);
    }

    #[test]
    fn history_up_and_down() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        let lines: Vec<String> = (0..20).map(|i| alloc::format!("command {i}")).collect();
        for line in &lines {
            rig.feed(line.as_bytes());
            rig.feed(b"\r");
        }
        assert_eq!(rig.ed.history_len(), 20);
        rig.take_events();
        rig.feed(b"draft");
        rig.feed(LEFT);
        for line in lines.iter().rev() {
            rig.feed(UP);
            assert_eq!(rig.ed.line(), line);
            assert_eq!(rig.ed.cursor(), line.len());
        }
        assert_eq!(rig.feed(UP), b"", "up at the oldest entry");
        assert_eq!(rig.ed.line(), "command 0");
        for line in lines.iter().skip(1) {
            rig.feed(DOWN);
            assert_eq!(rig.ed.line(), line);
        }
        rig.feed(DOWN);
        assert_eq!(rig.ed.line(), "draft", "the draft comes back");
        assert_eq!(rig.ed.cursor(), 5);
        assert_eq!(rig.feed(DOWN), b"", "down when not browsing");
        assert_eq!(rig.ed.line(), "draft");
        // SS3 arrows too.
        rig.feed(b"\x1bOA");
        assert_eq!(rig.ed.line(), "command 19");
        rig.feed(b"\x1bOA");
        assert_eq!(rig.ed.line(), "command 18");
        rig.feed(b"\x1bOB\x1bOB");
        assert_eq!(rig.ed.line(), "draft");
        rig.feed(b"\r");
        assert_eq!(rig.take_events(), vec![submit("draft")]);
        assert_eq!(rig.ed.history_len(), 21);
    }

    #[test]
    fn history_recall_and_submit() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"first\rsecond\r");
        rig.take_events();
        rig.feed(UP);
        rig.feed(UP);
        assert_eq!(rig.feed(b"\r"), b"\r\n");
        assert_eq!(rig.take_events(), vec![submit("first")]);
        assert_eq!(rig.history(), ["first", "second", "first"]);
        // Browsing ended with the submit: Down does nothing, Up starts over.
        assert_eq!(rig.feed(DOWN), b"");
        rig.feed(UP);
        assert_eq!(rig.ed.line(), "first");
    }

    #[test]
    fn empty_draft_restored() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"one\r");
        rig.feed(UP);
        assert_eq!(rig.ed.line(), "one");
        rig.feed(DOWN);
        assert_eq!(rig.ed.line(), "");
        assert_eq!(rig.ed.cursor(), 0);
    }

    #[test]
    fn editing_a_recalled_line_ends_browsing() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"aaa\rbbb\r");
        rig.feed(b"typed");
        rig.feed(UP);
        rig.feed(UP);
        rig.feed(b"x");
        assert_eq!(rig.ed.line(), "aaax");
        // Not browsing any more: Down keeps the edit.
        assert_eq!(rig.feed(DOWN), b"");
        assert_eq!(rig.ed.line(), "aaax");
        // Up saves the edited line as the draft.
        rig.feed(UP);
        assert_eq!(rig.ed.line(), "bbb");
        rig.feed(DOWN);
        assert_eq!(rig.ed.line(), "aaax");
        assert_eq!(rig.history(), ["aaa", "bbb"], "entries are never modified");
    }

    #[test]
    fn history_dedupes_consecutive() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"a\ra\r\ra\rb\ra\ra\r");
        assert_eq!(rig.history(), ["a", "b", "a"]);
    }

    #[test]
    fn history_skips_empty_lines() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"\r\r\n\n");
        assert_eq!(rig.ed.history_len(), 0);
        assert_eq!(rig.feed(UP), b"", "up with no history");
        assert_eq!(rig.ed.line(), "");
        // A line emptied by editing is empty too.
        rig.feed(b"ab\x7f\x7f\r");
        assert_eq!(rig.ed.history_len(), 0);
    }

    #[test]
    fn history_evicts_oldest() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, 3);
        rig.feed(b"1\r2\r3\r4\r5\r");
        assert_eq!(rig.history(), ["3", "4", "5"]);
        rig.feed(UP);
        rig.feed(UP);
        rig.feed(UP);
        assert_eq!(rig.ed.line(), "3");
        assert_eq!(rig.feed(UP), b"");
        assert_eq!(rig.ed.line(), "3");
    }

    #[test]
    fn history_capacity_zero() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, 0);
        rig.feed(b"ls\rps\r");
        assert_eq!(rig.ed.history_len(), 0);
        assert_eq!(rig.feed(UP), b"");
        assert_eq!(rig.feed(DOWN), b"");
        assert_eq!(rig.ed.line(), "");
    }

    #[test]
    fn history_recall_redraws_over_longer_and_shorter_lines() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"a very long command line\rx\rmedium one\r");
        rig.feed(b"typed text");
        rig.feed(LEFT);
        rig.feed(LEFT);
        for expected in ["medium one", "x", "a very long command line"] {
            rig.feed(UP);
            assert_eq!(rig.ed.line(), expected);
        }
        // Moving the cursor is not editing: browsing goes on.
        rig.feed(b"\x01");
        rig.feed(RIGHT);
        rig.feed(DOWN);
        assert_eq!(rig.ed.line(), "x");
        rig.feed(DOWN);
        assert_eq!(rig.ed.line(), "medium one");
        rig.feed(DOWN);
        assert_eq!(rig.ed.line(), "typed text");
    }

    #[test]
    fn too_long_line() {
        let mut rig = Rig::new(5, DEFAULT_HISTORY);
        // Exactly the limit is fine.
        rig.feed(b"abcde\r");
        assert_eq!(rig.take_events(), vec![submit("abcde")]);
        rig.feed(b"abcde");
        assert_eq!(rig.feed(b"f"), b"\r\n");
        assert_eq!(rig.take_events(), vec![Event::TooLong]);
        assert_eq!(rig.ed.line(), "");
        // The rest of the line is swallowed, escape sequences and all.
        assert_eq!(rig.feed(b"ghij\x7f\x15\x1b[A\x1b[D\x01xyz"), b"");
        assert!(rig.take_events().is_empty());
        assert_eq!(rig.ed.line(), "");
        assert_eq!(rig.feed(b"\r\n"), b"");
        assert_eq!(rig.take_events(), vec![Event::DiscardedLineEnded]);
        rig.feed(b"ok\r");
        assert_eq!(rig.take_events(), vec![submit("ok")]);
        assert_eq!(rig.history(), ["abcde", "ok"], "the long line is not remembered");
    }

    #[test]
    fn too_long_by_inserting_in_middle() {
        let mut rig = Rig::new(3, DEFAULT_HISTORY);
        rig.feed(b"abc");
        rig.feed(LEFT);
        assert_eq!(rig.feed(b"x"), b"\r\n");
        assert_eq!(rig.take_events(), vec![Event::TooLong]);
        rig.feed(b"\n\r");
        assert_eq!(rig.take_events(), vec![Event::DiscardedLineEnded]);
    }

    #[test]
    fn too_long_then_ctrl_c() {
        let mut rig = Rig::new(2, DEFAULT_HISTORY);
        rig.feed(b"abc");
        assert_eq!(rig.take_events(), vec![Event::TooLong]);
        assert_eq!(rig.feed(b"d\x03"), b"^C\r\n");
        assert_eq!(rig.take_events(), vec![Event::Interrupt]);
        rig.feed(b"ok\n");
        assert_eq!(rig.take_events(), vec![submit("ok")]);
    }

    #[test]
    fn too_long_then_reset() {
        let mut rig = Rig::new(2, DEFAULT_HISTORY);
        rig.feed(b"abc");
        assert_eq!(rig.take_events(), vec![Event::TooLong]);
        rig.ed.reset();
        rig.feed(b"ok\r");
        assert_eq!(rig.take_events(), vec![submit("ok")]);
    }

    #[test]
    fn max_line_zero() {
        let mut rig = Rig::new(0, DEFAULT_HISTORY);
        rig.feed(b"\r");
        assert_eq!(rig.take_events(), vec![submit("")]);
        assert_eq!(rig.feed(b"a"), b"\r\n");
        assert_eq!(rig.take_events(), vec![Event::TooLong]);
        rig.feed(b"\r");
        assert_eq!(rig.take_events(), vec![Event::DiscardedLineEnded]);
    }

    #[test]
    fn unknown_sequences_are_swallowed() {
        let sequences: &[&[u8]] = &[
            b"\x1b[2~",   // Insert
            b"\x1b[5~",   // Page Up
            b"\x1b[15~",  // F5
            b"\x1b[200~", // bracketed paste start
            b"\x1b[?25h", // private
            b"\x1b[1;2P", // Shift-F1
            b"\x1b[5A",   // arrow with a count: not a key
            b"\x1b[Z",    // Shift-Tab
            b"\x1b[ q",   // intermediate byte
            b"\x1b[1:2A", // sub-parameter
            b"\x1bOP",    // F1
            b"\x1bO2",    // odd SS3
            b"\x1b[99999999999999999999~",
            b"\x1bx", // Alt-x
            b"\x1b[", // unfinished, ended by the `\x1b` of the next case
        ];
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"ab");
        rig.feed(LEFT);
        for seq in sequences {
            assert_eq!(rig.feed(seq), b"", "{seq:?}");
            assert_eq!(rig.ed.line(), "ab");
            assert_eq!(rig.ed.cursor(), 1);
        }
        rig.feed(b"\x1b[Dc\r");
        assert_eq!(rig.take_events(), vec![submit("cab")]);
    }

    #[test]
    fn modifier_arrows_act_like_arrows() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"abc");
        rig.feed(b"\x1b[1;5D");
        assert_eq!(rig.ed.cursor(), 2);
        rig.feed(b"\x1b[1;3C");
        assert_eq!(rig.ed.cursor(), 3);
    }

    #[test]
    fn lone_escape_then_control() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"ls\x1b\r");
        assert_eq!(rig.take_events(), vec![submit("ls")]);
        rig.feed(b"ls\x1b[\r");
        assert_eq!(rig.take_events(), vec![submit("ls")]);
        rig.feed(b"ls\x1bO\n");
        assert_eq!(rig.take_events(), vec![submit("ls")]);
        rig.feed(b"ls\x1b[12;\x03");
        assert_eq!(rig.take_events(), vec![Event::Interrupt]);
        // Backspace after ESC still deletes.
        rig.feed(b"ab\x1b\x7f");
        assert_eq!(rig.ed.line(), "a");
        // A second ESC starts a new sequence.
        rig.feed(b"\x1b\x1b[D");
        assert_eq!(rig.ed.cursor(), 0);
    }

    #[test]
    fn alt_key_is_swallowed() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        assert_eq!(rig.feed(b"a\x1bbc"), b"ac");
        assert_eq!(rig.ed.line(), "ac");
    }

    #[test]
    fn malformed_csi_is_dropped() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"ab");
        // A non-ASCII byte abandons the sequence and is dropped.
        assert_eq!(rig.feed(b"\x1b[1\x80"), b"");
        assert_eq!(rig.feed(b"c"), b"c");
        // Parameters after an intermediate byte: abandoned, that byte dropped.
        assert_eq!(rig.feed(b"\x1b[ 1"), b"");
        assert_eq!(rig.feed(b"d"), b"d");
        assert_eq!(rig.ed.line(), "abcd");
    }

    #[test]
    fn overlong_csi_is_swallowed_to_its_end() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"ab");
        let mut seq = b"\x1b[".to_vec();
        seq.extend_from_slice(&[b'1'; 40]);
        seq.push(b'D');
        assert_eq!(rig.feed(&seq), b"");
        assert_eq!(rig.ed.cursor(), 2);
        // 16 parameter bytes are still understood.
        let mut seq = b"\x1b[1;".to_vec();
        seq.extend_from_slice(&[b'5'; 12]);
        seq.extend_from_slice(b";1D");
        assert_eq!(seq.len(), 2 + 16 + 1);
        rig.feed(&seq);
        assert_eq!(rig.ed.cursor(), 1);
    }

    #[test]
    fn garbage_is_ignored() {
        let mut rig = Rig::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
        rig.feed(b"ab");
        rig.feed(LEFT);
        let mut garbage: Vec<u8> = (0x80..=0xff).collect();
        garbage.extend_from_slice(&[0x00, 0x02, 0x04, 0x06, 0x07, 0x09, 0x0b, 0x0c, 0x0e, 0x1f]);
        garbage.extend(0x10..=0x14);
        garbage.extend(0x16..=0x1a);
        garbage.extend(0x1c..=0x1e);
        assert_eq!(rig.feed(&garbage), b"");
        assert!(rig.take_events().is_empty());
        assert_eq!(rig.ed.line(), "ab");
        assert_eq!(rig.ed.cursor(), 1);
    }

    #[test]
    fn reset_clears_editing_state() {
        let mut ed = Editor::new(8, 4);
        let mut out = Vec::new();
        for &b in b"one\rtwo\x1b[A\x1b[" {
            ed.feed(b, &mut out);
        }
        assert_eq!(ed.line(), "one");
        ed.reset();
        assert_eq!(ed.line(), "");
        assert_eq!(ed.cursor(), 0);
        out.clear();
        // The half-read sequence is gone: `D` is typed, not a key.
        ed.feed(b'D', &mut out);
        assert_eq!(ed.line(), "D");
        assert_eq!(out, b"D");
        // Browsing is gone: Down does nothing.
        for &b in DOWN {
            ed.feed(b, &mut out);
        }
        assert_eq!(ed.line(), "D");
        assert_eq!(ed.history().collect::<Vec<_>>(), ["one"]);
    }

    #[test]
    fn default_sizes() {
        let ed = Editor::default();
        assert_eq!(ed.max_line(), DEFAULT_MAX_LINE);
        assert_eq!(ed.history_len(), 0);
    }

    #[test]
    fn decimal_encoding() {
        for n in [0, 1, 9, 10, 99, 100, 256, 12345, usize::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, alloc::format!("{n}").into_bytes());
        }
    }

    /// xorshift64: a reproducible byte source.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// A byte biased towards what the editor reacts to.
        fn byte(&mut self) -> u8 {
            const INTERESTING: &[u8] =
                b"\x1b\x1b\x1b[[[O~~ABCDHF13478;\r\n\x03\x08\x7f\x15\x01\x05";
            match self.below(10) {
                0..=3 => 0x20 + self.below(0x5f) as u8,
                4..=7 => INTERESTING[self.below(INTERESTING.len())],
                _ => self.next() as u8,
            }
        }

        /// A byte sequence the editor reacts to without ending the line.
        fn chunk(&mut self) -> &'static [u8] {
            const CHUNKS: &[&[u8]] = &[
                b"a", b"b", b"c", b" ", b"xyz", b"\x08", b"\x7f", b"\x15", b"\x01", b"\x05",
                b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[C", b"\x1b[D", b"\x1b[H",
                b"\x1b[F", b"\x1b[3~", b"\x1b[3~", b"\x1bOA", b"\x1bOB", b"\x1bOC", b"\x1bOD",
                b"\x1b[1~", b"\x1b[4~", b"\x1b[2~", b"\x1b", b"\x1b[", b"\x1b[1;", b"\0", b"\xff",
                b"~", b"[", b"O", b"5",
            ];
            CHUNKS[self.below(CHUNKS.len())]
        }
    }

    /// Miri runs the random tests on a twentieth of the input (it is about a
    /// thousand times slower); the properties checked stay the same.
    const SCALE: usize = if cfg!(miri) { 20 } else { 1 };

    #[test]
    fn random_flood_keeps_invariants() {
        for (seed, max_line, history) in
            [(0x9e37_79b9_7f4a_7c15, 12, 4), (7, 1, 0), (12345, DEFAULT_MAX_LINE, DEFAULT_HISTORY)]
        {
            let mut rng = Rng(seed);
            let mut ed = Editor::new(max_line, history);
            let mut out = Vec::new();
            let mut events = 0;
            for _ in 0..100_000 / SCALE {
                let b = rng.byte();
                out.clear();
                if ed.feed(b, &mut out).is_some() {
                    events += 1;
                }
                assert!(ed.line().len() <= max_line);
                assert!(ed.cursor() <= ed.line().len());
                assert!(ed.line().bytes().all(|b| (0x20..=0x7e).contains(&b)));
                assert!(out.len() <= max_line + 32, "{} bytes of output", out.len());
                assert!(ed.history_len() <= history);
            }
            assert!(events > 100 / SCALE, "the flood should complete lines");
        }
    }

    #[test]
    fn random_editing_keeps_screen_in_sync() {
        for seed in 1..=20u64 {
            let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
            let mut rig = Rig::new(40, 8);
            // Some history to browse.
            for i in 0..rng.below(12) {
                let len = rng.below(45);
                let line: Vec<u8> = (0..len).map(|j| b'a' + ((i + j) % 26) as u8).collect();
                rig.feed(&line);
                rig.feed(b"\r");
            }
            rig.term = Term::default();
            rig.take_events();
            let mut longest = 0;
            for _ in 0..5_000 / SCALE {
                let chunk = rng.chunk();
                rig.feed(chunk);
                longest = longest.max(rig.ed.line().len());
                if rig.take_events().contains(&Event::TooLong) {
                    rig.ed.reset();
                    rig.term = Term::default();
                }
            }
            assert!(longest >= 20 / SCALE, "seed {seed}: lines stayed short ({longest})");
        }
    }

    #[test]
    fn random_bytes_keep_screen_in_sync() {
        let mut rng = Rng(0xdead_beef);
        let mut rig = Rig::new(30, 8);
        rig.feed(b"first\rsecond command\rthird\r");
        rig.term = Term::default();
        let mut too_long = 0;
        for _ in 0..100_000 / SCALE {
            let b = rng.byte();
            if matches!(b, b'\r' | b'\n' | 0x03) {
                continue;
            }
            rig.feed(&[b]);
            if rig.take_events().contains(&Event::TooLong) {
                too_long += 1;
                rig.ed.reset();
                rig.term = Term::default();
            }
        }
        assert!(too_long > 10 / SCALE, "the limit was rarely reached ({too_long})");
    }
}
