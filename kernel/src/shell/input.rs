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

/// UART0's reader plus the bytes read but not yet consumed.
pub struct Input {
    rx: UartReader,
    pending: VecDeque<u8>,
    dropped: usize,
}

/// The command was cancelled with Ctrl-C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

impl Input {
    /// Input from `rx`.
    pub fn new(rx: UartReader) -> Self {
        Self { rx, pending: VecDeque::with_capacity(TYPEAHEAD_LIMIT), dropped: 0 }
    }

    /// The next byte: typeahead first, else wait for the UART.
    pub async fn next_byte(&mut self) -> u8 {
        if let Some(byte) = self.pending.pop_front() {
            return byte;
        }
        let mut chunk = [0u8; CHUNK];
        let n = self.rx.read(&mut chunk).await;
        self.pending.extend(&chunk[1..n]);
        chunk[0]
    }

    /// Whether bytes are waiting to be consumed without blocking.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Reads raw bytes into `buf` (typeahead first): at least one, waiting
    /// for the UART if needed.
    pub async fn read_raw(&mut self, buf: &mut [u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        if !self.pending.is_empty() {
            let n = buf.len().min(self.pending.len());
            for (slot, byte) in buf.iter_mut().zip(self.pending.drain(..n)) {
                *slot = byte;
            }
            return n;
        }
        self.rx.read(buf).await
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
        if let Some(at) = self.pending.iter().position(|&b| b == INTERRUPT) {
            self.pending.drain(..=at);
            return Err(Interrupted);
        }
        let Self { rx, pending, dropped } = self;
        let watch = pin!(watch_for_interrupt(rx, pending, dropped));
        match select(work, watch).await {
            Either::Left(((), _)) => Ok(()),
            Either::Right(((), _)) => Err(Interrupted),
        }
    }

    /// Bytes dropped because the typeahead was full, since the last call.
    pub fn take_dropped(&mut self) -> usize {
        core::mem::take(&mut self.dropped)
    }
}

/// Reads the UART until Ctrl-C, keeping everything else (within the limit).
async fn watch_for_interrupt(rx: &mut UartReader, pending: &mut VecDeque<u8>, dropped: &mut usize) {
    let mut chunk = [0u8; CHUNK];
    loop {
        let n = rx.read(&mut chunk).await;
        for (i, &byte) in chunk[..n].iter().enumerate() {
            if byte == INTERRUPT {
                pending.clear();
                // What came after the Ctrl-C in this chunk was typed after it.
                pending.extend(&chunk[i + 1..n]);
                return;
            }
            if pending.len() < TYPEAHEAD_LIMIT {
                pending.push_back(byte);
            } else {
                *dropped += 1;
            }
        }
    }
}
