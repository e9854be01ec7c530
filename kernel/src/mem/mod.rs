//! Memory: where the linker put the kernel ([`layout`]) and the heap that
//! `alloc` uses ([`heap`]).

pub mod heap;
pub mod layout;
