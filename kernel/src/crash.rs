//! What the kernel does when it cannot go on: panics and fatal exceptions.
//!
//! A crash report is written straight to the UART registers, bypassing the
//! console lock (the crashed code may hold it) and taking no lock at all, so it
//! works from any context — even before the MMU is on. It ends with the heap
//! counters and then halts the core; a test kernel instead ends QEMU with a
//! failure status so the test runner sees the crash at once.
//!
//! Every report starts with a line `*** KERNEL ...`, which the test runner
//! treats as a crash unless the test expects one.

use crate::arch::cpu;
use crate::arch::semihosting;
use crate::console;
use crate::mem::{heap, layout};
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

/// Exit status of a test kernel that panicked (the Rust convention).
pub const EXIT_PANIC: u32 = 101;

/// Most frames a backtrace prints.
const MAX_BACKTRACE_FRAMES: usize = 32;

// Plain loads and stores only (no read-modify-write): this must work with the
// MMU off, where exclusive instructions hang on real hardware.
static CRASHING: AtomicBool = AtomicBool::new(false);

unsafe extern "Rust" {
    /// Defined by `kernel_main!` (false) or the test-kernel macros (true).
    static __KERNEL_IS_TEST: bool;
}

/// Whether this binary is a test kernel (built with `test_kernel!` or `test_main!`).
pub fn is_test_kernel() -> bool {
    // SAFETY: every kernel binary defines this immutable static through the
    // entry macros; reading a `bool` that is never written is sound.
    unsafe { __KERNEL_IS_TEST }
}

/// Writes a crash report directly to the UART, without locks.
pub struct CrashWriter {
    _private: (),
}

impl Write for CrashWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        console::write_unlocked(s.as_bytes());
        Ok(())
    }
}

/// Starts a crash report: masks IRQs, guards against a crash while reporting
/// a crash, and prints the `*** title ***` header.
pub fn begin(title: &str) -> CrashWriter {
    let _ = cpu::mask_irqs();
    if CRASHING.load(Ordering::Relaxed) {
        console::write_unlocked(b"\n*** KERNEL CRASH while reporting a crash; stopping\n");
        end(EXIT_PANIC);
    }
    CRASHING.store(true, Ordering::Relaxed);
    let mut w = CrashWriter { _private: () };
    let _ = writeln!(w, "\n*** {title} ***");
    w
}

/// Ends a crash report with the heap counters, then stops (see [`end`]).
pub fn finish(mut w: CrashWriter, exit_code: u32) -> ! {
    let h = heap::stats();
    let _ = writeln!(
        w,
        "  heap     {} bytes: {} used, {} free, peak {}, {} failed allocations",
        h.size, h.used, h.free, h.peak, h.failed
    );
    let _ = writeln!(w, "*** core {} halted", cpu::core_id());
    end(exit_code)
}

/// Stops the kernel: a test kernel exits QEMU with `exit_code`; the normal
/// kernel halts the core (IRQs masked, WFI), leaving the report on screen.
pub fn end(exit_code: u32) -> ! {
    console::flush_unlocked();
    if is_test_kernel() {
        semihosting::exit(exit_code);
    }
    cpu::halt()
}

/// Prints a frame-pointer backtrace: `pc` first (the faulting instruction, if
/// known, marked `(exception PC)`), then the return address of every frame
/// record reachable from `fp` within the kernel and exception stacks. A return
/// address points after its call, which may be past the end of the calling
/// function (a call to a `-> !` function is often its last instruction).
pub fn print_backtrace(w: &mut CrashWriter, pc: Option<u64>, fp: u64) {
    let _ = writeln!(w, "  backtrace (innermost first):");
    let mut n = 0usize;
    if let Some(pc) = pc {
        let _ = writeln!(w, "    #{n:<2} {pc:#018x} (exception PC)");
        n += 1;
    }
    let stacks = [layout::kernel_stack(), layout::exception_stack()];
    let read = |addr: u64| {
        // SAFETY: `frames::walk` only reads 8-byte-aligned addresses inside
        // `stacks`, which are mapped read-write for the kernel's lifetime.
        unsafe { core::ptr::read_volatile(addr as *const u64) }
    };
    let walked =
        hw_formats::frames::walk(fp, &stacks, MAX_BACKTRACE_FRAMES, read, |return_address| {
            let _ = writeln!(w, "    #{n:<2} {return_address:#018x}");
            n += 1;
        });
    if walked == MAX_BACKTRACE_FRAMES {
        let _ = writeln!(w, "    ... (stopped after {MAX_BACKTRACE_FRAMES} frames)");
    }
    if n == 0 {
        let _ = writeln!(w, "    (no frames)");
    }
}

/// The current frame pointer (x29).
#[inline(always)]
pub fn current_frame_pointer() -> u64 {
    let fp: u64;
    // SAFETY: reading x29 has no side effects.
    unsafe {
        core::arch::asm!("mov {}, x29", out(reg) fp, options(nomem, nostack, preserves_flags))
    };
    fp
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut w = begin("KERNEL PANIC");
    if let Some(location) = info.location() {
        let _ = writeln!(w, "  at {}:{}:{}", location.file(), location.line(), location.column());
    }
    let _ = writeln!(w, "  message  {}", info.message());
    print_backtrace(&mut w, None, current_frame_pointer());
    finish(w, EXIT_PANIC)
}
