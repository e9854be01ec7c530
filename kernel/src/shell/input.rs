//! The shell's input side: bytes from UART0, Ctrl-C while a command runs, and
//! what is typed ahead meanwhile.
//!
//! While a command runs, [`Input::cancellable`] races it against the console:
//! Ctrl-C (0x03) drops the command's future at its next `.await` (which is
//! how every long-running command is cancelled: `sleep`, `top`, `spawn`,
//! `gpio ... wait`, `bench`), and any other byte is kept, in order, for the
//! line editor to see once the command is done. Typeahead is bounded
//! ([`TYPEAHEAD_LIMIT`]): beyond it bytes are dropped and counted, and the
//! shell says how many.
//!
//! Every byte comes with the number of bytes lost just before it — in the
//! UART or its receive ring (`UartReader::read_marked`) or beyond the
//! typeahead limit — so the shell knows which line a loss falls in.

use crate::drivers::uart::UartReader;
use alloc::collections::VecDeque;
use core::future::Future;
use core::pin::{Pin, pin};
use futures_util::future::{Either, select};

/// Ctrl-C.
pub const INTERRUPT: u8 = 0x03;
/// Most bytes kept while a command runs.
pub const TYPEAHEAD_LIMIT: usize = 1024;
/// Bytes moved from the UART's ring per read.
const CHUNK: usize = 64;

/// A byte of input, and how many bytes were lost just before it (0: none;
/// a lower bound otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputByte {
    /// The byte.
    pub byte: u8,
    /// Bytes lost between the previous byte and this one.
    pub lost_before: usize,
}

/// What [`Input::read_raw`] moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRead {
    /// Bytes moved into the buffer (at least one).
    pub bytes: usize,
    /// Bytes lost just before the first of them.
    pub lost_before: usize,
}

/// UART0's reader plus the bytes read but not yet consumed.
pub struct Input {
    rx: UartReader,
    /// Typeahead, oldest first, with the loss before each byte.
    pending: VecDeque<InputByte>,
    /// Bytes dropped from the typeahead since the last `take_dropped`.
    dropped: usize,
    /// Bytes lost after the last byte kept (carried by the next one).
    lost: usize,
}

/// The command was cancelled with Ctrl-C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

impl Input {
    /// Input from `rx`.
    pub fn new(rx: UartReader) -> Self {
        Self { rx, pending: VecDeque::with_capacity(TYPEAHEAD_LIMIT), dropped: 0, lost: 0 }
    }

    /// The next byte: typeahead first, else wait for the UART.
    pub async fn next_byte(&mut self) -> InputByte {
        if let Some(byte) = self.pending.pop_front() {
            return byte;
        }
        let mut chunk = [0u8; CHUNK];
        let popped = self.rx.read_marked(&mut chunk).await;
        let lost_before = popped.lost_before.saturating_add(core::mem::take(&mut self.lost));
        // A read stops before the next loss: the rest follow without one.
        (self.pending)
            .extend(chunk[1..popped.bytes].iter().map(|&byte| InputByte { byte, lost_before: 0 }));
        InputByte { byte: chunk[0], lost_before }
    }

    /// Whether bytes are waiting to be consumed without blocking.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Reads raw bytes into `buf` (typeahead first): at least one, waiting
    /// for the UART if needed, and never across a loss (a read stops before
    /// the next byte that follows one).
    pub async fn read_raw(&mut self, buf: &mut [u8]) -> RawRead {
        if buf.is_empty() {
            return RawRead { bytes: 0, lost_before: 0 };
        }
        if let Some(first) = self.pending.pop_front() {
            buf[0] = first.byte;
            let mut bytes = 1;
            while bytes < buf.len() {
                match self.pending.front() {
                    Some(next) if next.lost_before == 0 => buf[bytes] = next.byte,
                    _ => break,
                }
                self.pending.pop_front();
                bytes += 1;
            }
            return RawRead { bytes, lost_before: first.lost_before };
        }
        let popped = self.rx.read_marked(buf).await;
        let lost_before = popped.lost_before.saturating_add(core::mem::take(&mut self.lost));
        RawRead { bytes: popped.bytes, lost_before }
    }

    /// Runs `work` until it finishes or Ctrl-C arrives (typed ahead or typed
    /// now); other bytes typed meanwhile are kept. Ctrl-C also discards the
    /// typeahead before it, like a terminal's interrupt key.
    ///
    /// `work` is a `dyn` future (commands report through the terminal, not
    /// an output): one copy of this race serves every command, instead of
    /// one inlined copy per command type.
    pub async fn cancellable(
        &mut self,
        work: Pin<&mut (dyn Future<Output = ()> + Send + '_)>,
    ) -> Result<(), Interrupted> {
        if let Some(at) = self.pending.iter().position(|b| b.byte == INTERRUPT) {
            self.pending.drain(..=at);
            return Err(Interrupted);
        }
        let watch = pin!(watch_for_interrupt(self));
        match select(work, watch).await {
            Either::Left(((), _)) => Ok(()),
            Either::Right(((), _)) => Err(Interrupted),
        }
    }

    /// Bytes dropped because the typeahead was full, since the last call.
    pub fn take_dropped(&mut self) -> usize {
        core::mem::take(&mut self.dropped)
    }

    /// Keeps `byte` as typeahead, or drops it if the typeahead is full.
    fn keep(&mut self, byte: u8, lost_before: usize) {
        let lost_before = lost_before.saturating_add(self.lost);
        if self.pending.len() < TYPEAHEAD_LIMIT {
            self.pending.push_back(InputByte { byte, lost_before });
            self.lost = 0;
        } else {
            self.dropped += 1;
            self.lost = lost_before.saturating_add(1);
        }
    }
}

/// Reads the UART until Ctrl-C, keeping everything else (within the limit).
async fn watch_for_interrupt(input: &mut Input) {
    let mut chunk = [0u8; CHUNK];
    loop {
        let popped = input.rx.read_marked(&mut chunk).await;
        for (i, &byte) in chunk[..popped.bytes].iter().enumerate() {
            let lost_before = if i == 0 { popped.lost_before } else { 0 };
            if byte == INTERRUPT {
                // Ctrl-C discards what came before it, losses included;
                // what came after it in this chunk was typed after it.
                input.pending.clear();
                input.lost = 0;
                for &after in &chunk[i + 1..popped.bytes] {
                    input.keep(after, 0);
                }
                return;
            }
            input.keep(byte, lost_before);
        }
    }
}
