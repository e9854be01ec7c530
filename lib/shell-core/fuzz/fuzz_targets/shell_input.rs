//! Feeds arbitrary bytes through the shell's input path as the kernel wires
//! it: a line editor with the default sizes, and every submitted line given to
//! the command parser (whose errors are formatted as the shell prints them).
#![no_main]

use core::fmt::Write;

use libfuzzer_sys::fuzz_target;
use shell_core::command;
use shell_core::editor::{DEFAULT_HISTORY, DEFAULT_MAX_LINE, Editor, Event};

fuzz_target!(|data: &[u8]| {
    let mut editor = Editor::new(DEFAULT_MAX_LINE, DEFAULT_HISTORY);
    let mut out = Vec::new();
    let mut message = String::new();
    for &byte in data {
        out.clear();
        match editor.feed(byte, &mut out) {
            Some(Event::Submit(line)) => {
                assert!(line.len() <= DEFAULT_MAX_LINE);
                if let Err(error) = command::parse(&line) {
                    message.clear();
                    write!(message, "{error}").unwrap();
                }
                editor.reset();
            }
            Some(Event::Interrupt | Event::DiscardedLineEnded) => editor.reset(),
            Some(Event::TooLong) | None => {}
        }
    }
});
