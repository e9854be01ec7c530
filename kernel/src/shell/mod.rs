//! The interactive shell on UART0: the default kernel's main task.
//!
//! [`main`] is what `make qemu` and an SD card boot run: it starts the
//! interrupt-driven UART driver, spawns the heartbeat and the shell as tasks,
//! and hands the core to the executor, which is the only scheduler from then
//! on. The shell loop is plain async code:
//!
//! 1. print the prompt `> `;
//! 2. feed each input byte to the line editor (`shell_core::editor`), sending
//!    its echo back, until it reports an event: a submitted line, Ctrl-C, or a
//!    line that grew past the limit;
//! 3. parse a submitted line (`shell_core::command`) and run it
//!    (`commands`); long-running commands race against Ctrl-C (`input`).
//!
//! Nothing typed can crash the kernel: the editor takes any byte, the parser
//! any line, and every command checks its arguments and the hardware's
//! answers. docs/shell.md shows a session.

mod commands;
mod input;
mod terminal;

use crate::arch::cpu;
use crate::drivers::led::ActivityLed;
use crate::drivers::uart::{self, UartConfig};
use crate::{executor, heartbeat};
use async_core::time::Duration;
use commands::After;
pub use commands::spawn_heap_reserve;
use core::sync::atomic::{AtomicU64, Ordering};
use input::{Input, InputByte};
use shell_core::command::{self, ParseError};
use shell_core::editor::{DEFAULT_HISTORY, DEFAULT_MAX_LINE, Editor, Event};
use terminal::{Terminal, say};

/// The prompt.
pub const PROMPT: &str = "> ";

/// The shell's receive ring: a paste or a `crc32` transfer of this much
/// arrives whole even while the shell is busy for a moment (echoing,
/// redrawing, or starved of host CPU under QEMU); beyond it bytes are dropped
/// and counted (`info`).
const RX_RING_BYTES: usize = 16 * 1024;

/// The default kernel's main: heartbeat and shell as tasks on this core's
/// executor. Never returns (`poweroff` and `reboot` end it).
pub fn main() -> ! {
    let (rx, tx) = match uart::start(UartConfig { rx_capacity: RX_RING_BYTES }) {
        Ok(halves) => halves,
        Err(error) => panic!("the shell needs UART0: {error:?}"),
    };
    match ActivityLed::take() {
        Ok(led) => {
            executor::spawn_named_on_core("heartbeat", heartbeat::start(led));
        }
        Err(error) => log::warn!("heartbeat: activity LED unavailable: {error}"),
    }
    let shell = executor::spawn_named_on_core("shell", run(Input::new(rx), Terminal::new(tx)));
    let _ = executor::block_on(shell);
    panic!("the shell task ended");
}

/// Counter value when the first prompt was written (0: not yet).
static FIRST_PROMPT: AtomicU64 = AtomicU64::new(0);

fn record_first_prompt() {
    let _ = FIRST_PROMPT.compare_exchange(0, cpu::counter(), Ordering::Relaxed, Ordering::Relaxed);
}

/// Time from when the generic counter started to the first prompt: from
/// reset in QEMU (under `-icount shift=0,sleep=off`, an instruction count,
/// the decompressor included); from power-on on a board, firmware included.
pub fn first_prompt_after_counter_start() -> Option<Duration> {
    match FIRST_PROMPT.load(Ordering::Relaxed) {
        0 => None,
        ticks => Some(hw_formats::counter::ticks_to_duration(ticks, cpu::counter_frequency())),
    }
}

/// The shell loop: prompt, edit a line, run it; forever.
async fn run(mut input: Input, mut term: Terminal) {
    say!(term, "Type 'help' for the commands. In QEMU, Ctrl-A X quits.\n");
    term.flush().await;
    let mut editor = Editor::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
    let mut echo = alloc::vec::Vec::with_capacity(256);
    loop {
        term.write_raw(PROMPT.as_bytes()).await;
        record_first_prompt();
        // Bytes lost on the way into this line. A loss before the line end
        // of an empty line is between two lines (noise from a cable plugged
        // in, a CR LF's LF) and costs nothing; any other loss may be part of
        // this line — its first bytes, even: `help reboot` that lost `help `
        // must not run `reboot`.
        let mut lost_in_line = 0usize;
        let after = loop {
            let InputByte { byte, lost_before } = input.next_byte().await;
            let line_end_of_empty_line = editor.line().is_empty() && matches!(byte, b'\r' | b'\n');
            if !line_end_of_empty_line {
                lost_in_line = lost_in_line.saturating_add(lost_before);
            }
            let event = editor.feed(byte, &mut echo);
            // Batch the echo of bytes that arrived together.
            if event.is_some() || !input.has_pending() || echo.len() >= 256 {
                term.write_raw(&echo).await;
                echo.clear();
            }
            match event {
                None => {}
                Some(Event::Submit(_)) if lost_in_line > 0 => {
                    // Not recalled with Up either: it is not what was typed.
                    editor.forget_last_submit();
                    say!(
                        term,
                        "error: {lost_in_line} or more bytes of this line were lost on the way \
                         in (see 'info'); line discarded\n"
                    );
                    term.flush().await;
                    break After::Prompt;
                }
                Some(Event::Submit(line)) => break submit(&line, &mut term, &mut input).await,
                Some(Event::Interrupt | Event::DiscardedLineEnded) => break After::Prompt,
                Some(Event::TooLong) => {
                    say!(
                        term,
                        "error: line longer than {DEFAULT_MAX_LINE} bytes; discarded (up to Enter)\n"
                    );
                    term.flush().await;
                }
            }
        };
        if after == After::PromptAfterRawInput {
            editor.forget_line_end();
        }
        let dropped = input.take_dropped();
        if dropped > 0 {
            say!(term, "({dropped} bytes typed during the command were dropped)\n");
            term.flush().await;
        }
    }
}

/// Parses and runs one line.
async fn submit(line: &str, term: &mut Terminal, input: &mut Input) -> After {
    match command::parse(line) {
        Ok(command) => commands::execute(command, term, input).await,
        Err(ParseError::Empty) => After::Prompt,
        Err(error) => {
            say!(term, "{error}\n");
            term.flush().await;
            After::Prompt
        }
    }
}
