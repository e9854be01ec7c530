//! The portable core of the kernel's shell: everything that turns bytes typed
//! on a terminal into commands, without touching hardware — so it is
//! unit-tested on the host and fuzzed (`make fuzz`).
//!
//! * [`editor`]: a line editor for a raw terminal — echo, Backspace/DEL,
//!   Ctrl-U, Ctrl-C, cursor movement, history, ANSI escape sequences parsed
//!   (never echoed as garbage), a line-length limit.
//! * [`command`]: the command table and a parser from a line to a typed
//!   [`command::Command`], with usage errors for wrong arguments.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod command;
pub mod editor;
