//! Portable logic of the kernel's drivers: everything that is state machines
//! and arithmetic rather than register access, so it compiles for the host and
//! is unit-tested there.
//!
//! | module          | what                                                              |
//! |-----------------|-------------------------------------------------------------------|
//! | `ring` (feature `alloc`) | lock-free single-producer single-consumer byte ring (interrupt handler → task) |
//! | `line` (feature `alloc`) | line assembly: CR, LF and CR LF end a line; over-long lines are errors |
//! | [`gpio_events`] | GPIO edge/level waits on the BCM283x event-detect registers        |
//! | [`crc32`]       | CRC-32/IEEE                                                        |
//! | [`chainload`]   | the serial chainload protocol and the loader's receive state machine |
//! | [`pattern`]     | deterministic byte patterns for serial-link tests                  |
#![cfg_attr(not(test), no_std)]

pub mod chainload;
pub mod crc32;
pub mod gpio_events;
#[cfg(feature = "alloc")]
pub mod line;
pub mod pattern;
#[cfg(feature = "alloc")]
pub mod ring;
