//! The kernel's memory layout as `linker.ld` defines it: section bounds, the two
//! stacks and their guard pages. Addresses are physical = virtual (identity map).

use core::ops::Range;

unsafe extern "C" {
    static __kernel_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __bss_start: u8;
    static __bss_end: u8;
    static __kernel_stack_guard: u8;
    static __kernel_stack_bottom: u8;
    static __kernel_stack_top: u8;
    static __exception_stack_guard: u8;
    static __exception_stack_bottom: u8;
    static __exception_stack_top: u8;
    static __kernel_end: u8;
}

macro_rules! symbol_address {
    ($sym:ident) => {
        // Only the address of a linker symbol is taken; it is never read.
        (&raw const $sym) as u64
    };
}

/// Size of a page of the identity map, and of each stack guard.
pub const PAGE_SIZE: u64 = 4096;

/// The kernel image and everything the linker placed after it, up to the
/// first free page (where the heap starts).
pub fn kernel_image() -> Range<u64> {
    symbol_address!(__kernel_start)..symbol_address!(__kernel_end)
}

/// Kernel code: mapped read-only and executable.
pub fn text() -> Range<u64> {
    symbol_address!(__text_start)..symbol_address!(__text_end)
}

/// Constants: mapped read-only and never executable.
pub fn rodata() -> Range<u64> {
    symbol_address!(__rodata_start)..symbol_address!(__rodata_end)
}

/// Initialised and zeroed data.
pub fn data_and_bss() -> Range<u64> {
    symbol_address!(__data_start)..symbol_address!(__bss_end)
}

/// Zero-initialised data, cleared by the boot code.
pub fn bss() -> Range<u64> {
    symbol_address!(__bss_start)..symbol_address!(__bss_end)
}

/// The kernel stack (SP_EL0), on which all kernel code runs.
pub fn kernel_stack() -> Range<u64> {
    symbol_address!(__kernel_stack_bottom)..symbol_address!(__kernel_stack_top)
}

/// The unmapped page below the kernel stack.
pub fn kernel_stack_guard() -> Range<u64> {
    let start = symbol_address!(__kernel_stack_guard);
    start..start + PAGE_SIZE
}

/// The exception stack (SP_EL1), used by interrupt handlers and crash reports.
pub fn exception_stack() -> Range<u64> {
    symbol_address!(__exception_stack_bottom)..symbol_address!(__exception_stack_top)
}

/// The unmapped page below the exception stack.
pub fn exception_stack_guard() -> Range<u64> {
    let start = symbol_address!(__exception_stack_guard);
    start..start + PAGE_SIZE
}

/// The null page: left unmapped so null-pointer accesses fault.
pub fn null_page() -> Range<u64> {
    0..PAGE_SIZE
}
