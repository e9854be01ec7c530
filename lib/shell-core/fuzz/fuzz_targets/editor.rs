//! Feeds arbitrary bytes to a line editor with a small line limit and checks
//! its invariants after every byte: the line is printable ASCII within the
//! limit, the cursor is within the line, the output of one byte is bounded
//! and events are consistent with the state they leave.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shell_core::editor::{Editor, Event};

fuzz_target!(|data: &[u8]| {
    let [first, second, input @ ..] = data else { return };
    let max_line = usize::from(first % 64) + 1;
    let history = usize::from(*second % 40);
    let mut editor = Editor::new(max_line, history);
    let mut out = Vec::new();
    for &byte in input {
        let before = out.len();
        let event = editor.feed(byte, &mut out);
        let written = &out[before..];

        let line = editor.line();
        assert!(line.len() <= max_line, "line of {} bytes, limit {max_line}", line.len());
        assert!(editor.cursor() <= line.len(), "cursor {} past {}", editor.cursor(), line.len());
        assert!(line.bytes().all(|b| (0x20..=0x7e).contains(&b)), "non-printable byte in line");
        assert!(written.len() <= max_line + 32, "{} bytes written for one byte", written.len());
        assert!(editor.history_len() <= history);

        match event {
            Some(Event::Submit(submitted)) => {
                assert!(submitted.len() <= max_line);
                assert!(submitted.bytes().all(|b| (0x20..=0x7e).contains(&b)));
                assert_eq!(written, b"\r\n");
                assert!(line.is_empty() && editor.cursor() == 0);
                if !submitted.is_empty() && history > 0 {
                    assert_eq!(editor.history().next_back(), Some(submitted.as_str()));
                }
            }
            Some(Event::Interrupt) => {
                assert_eq!(written, b"^C\r\n");
                assert!(line.is_empty());
            }
            Some(Event::TooLong) => {
                assert_eq!(written, b"\r\n");
                assert!(line.is_empty());
            }
            Some(Event::DiscardedLineEnded) => {
                assert!(written.is_empty());
                assert!(line.is_empty());
            }
            None => {}
        }
        // Escape bytes are never echoed raw: every ESC written starts `ESC [`.
        for (i, &b) in written.iter().enumerate() {
            if b == 0x1b {
                assert_eq!(written.get(i + 1), Some(&b'['));
            }
        }

        if out.len() > 1 << 16 {
            out.clear();
        }
    }
    editor.reset();
    assert!(editor.line().is_empty() && editor.cursor() == 0);
});
