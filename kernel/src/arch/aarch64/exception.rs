//! EL1 exceptions: the vector table (`vectors.s`), the IRQ entry into the
//! interrupt dispatcher, and the crash report for everything that is fatal.
//!
//! The kernel runs on SP_EL0 (EL1t); every exception switches to SP_EL1, a
//! separate exception stack. So when the kernel stack overflows into its guard
//! page, the resulting data abort still has a good stack to report from.
//!
//! * IRQs save the registers a Rust function may clobber — general and
//!   FP/SIMD — call `irq::handle_pending`, restore, and `eret`.
//! * Synchronous exceptions, SErrors and FIQs save every general register and
//!   the syndrome registers in an [`ExceptionFrame`] and print a crash report:
//!   exception class by name, ESR, ELR, FAR, SPSR, all registers, and a
//!   frame-pointer backtrace. The kernel does not return from them.

use crate::crash::{self, CrashWriter};
use crate::mem::layout;
use core::fmt::Write;
use hw_formats::esr::{Access, Esr, FaultStatus};
use hw_formats::spsr::Spsr;

core::arch::global_asm!(include_str!("vectors.s"));

/// The registers saved by the fatal-exception entry, in the order `vectors.s`
/// stores them.
#[repr(C)]
#[derive(Debug)]
pub struct ExceptionFrame {
    /// General registers x0 to x30 (x29 is the frame pointer, x30 the link register).
    pub x: [u64; 31],
    /// SP_EL0 at the time of the exception (the kernel stack pointer in EL1t).
    pub sp_el0: u64,
    /// Exception link register: the faulting (or next) instruction.
    pub elr: u64,
    /// Saved program status.
    pub spsr: u64,
    /// Exception syndrome.
    pub esr: u64,
    /// Fault address (valid for aborts, unless ESR says otherwise).
    pub far: u64,
}

const _: () = assert!(core::mem::size_of::<ExceptionFrame>() == 288);

impl ExceptionFrame {
    /// The stack pointer of the interrupted code.
    pub fn interrupted_sp(&self) -> u64 {
        if Spsr(self.spsr).uses_sp_elx() {
            // SP_EL1 was in use: it was just above this frame.
            self as *const Self as u64 + core::mem::size_of::<Self>() as u64
        } else {
            self.sp_el0
        }
    }
}

/// Exit status of a test kernel that died of a fatal exception.
pub const EXIT_FATAL_EXCEPTION: u32 = 102;

#[unsafe(no_mangle)]
extern "C" fn __irq_exception() {
    crate::irq::handle_pending();
}

#[unsafe(no_mangle)]
extern "C" fn __fatal_exception(vector: u64, frame: &ExceptionFrame) -> ! {
    report_fatal(vector, frame)
}

/// The four kinds of exception, in vector-table order within each group.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Synchronous,
    Irq,
    Fiq,
    SError,
}

impl Kind {
    fn from_vector(vector: u64) -> Self {
        match vector & 3 {
            0 => Self::Synchronous,
            1 => Self::Irq,
            2 => Self::Fiq,
            _ => Self::SError,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Synchronous => "synchronous exception",
            Self::Irq => "IRQ",
            Self::Fiq => "FIQ",
            Self::SError => "SError",
        }
    }
}

fn report_fatal(vector: u64, frame: &ExceptionFrame) -> ! {
    let taken_from = match vector / 4 {
        0 => "kernel code (EL1, SP_EL0)",
        1 => "an exception handler (EL1, SP_EL1)",
        2 => "a lower EL in AArch64",
        _ => "a lower EL in AArch32",
    };
    let kind = Kind::from_vector(vector);
    let mut w = crash::begin("KERNEL CRASH: fatal exception");
    let esr = Esr(frame.esr);
    let spsr = Spsr(frame.spsr);
    let _ = writeln!(w, "  {} taken from {taken_from}", kind.name());
    let _ = writeln!(w, "  class    {} (EC {:#04x})", esr.class(), esr.ec());
    let abort = if kind == Kind::Synchronous { esr.abort() } else { None };
    if let Some(abort) = abort {
        let _ = writeln!(w, "  fault    {abort}");
        if abort.far_valid
            && let Some(cause) = explain_abort(abort.fault, abort.access, frame.far)
        {
            let _ = writeln!(w, "  cause    {cause}");
        }
    }
    let _ = writeln!(w, "  ESR_EL1  {:#018x}", frame.esr);
    let _ = writeln!(w, "  ELR_EL1  {:#018x}", frame.elr);
    // A fault in a leaf function has its caller only in the link register.
    let _ = writeln!(w, "  LR       {:#018x}", frame.x[30]);
    let far_note = match abort {
        Some(a) if !a.far_valid => " (not valid for this fault)",
        None => " (not an abort: unrelated)",
        _ => "",
    };
    let _ = writeln!(w, "  FAR_EL1  {:#018x}{far_note}", frame.far);
    let _ = writeln!(w, "  SPSR_EL1 {:#018x} ({spsr})", frame.spsr);
    print_registers(&mut w, frame);
    crash::print_backtrace(&mut w, Some(frame.elr), frame.x[29]);
    crash::finish(w, EXIT_FATAL_EXCEPTION)
}

fn print_registers(w: &mut CrashWriter, frame: &ExceptionFrame) {
    let _ = writeln!(w, "  registers:");
    for row in 0..8 {
        let _ = write!(w, "   ");
        for col in 0..4 {
            let i = row * 4 + col;
            let (name, value) = match i {
                0..=28 => (None, frame.x[i]),
                29 => (Some("fp"), frame.x[29]),
                30 => (Some("lr"), frame.x[30]),
                _ => (Some("sp"), frame.interrupted_sp()),
            };
            let _ = match name {
                None => write!(w, " x{i:<2}      {value:#018x}"),
                Some(alias) if i < 31 => write!(w, " x{i}({alias}) {value:#018x}"),
                Some(alias) => write!(w, " {alias}       {value:#018x}"),
            };
        }
        let _ = writeln!(w);
    }
}

/// Says in words what an abort at `far` most likely was.
fn explain_abort(fault: FaultStatus, access: Access, far: u64) -> Option<&'static str> {
    let in_range = |r: core::ops::Range<u64>| r.contains(&far);
    match fault {
        FaultStatus::Translation(_) if in_range(layout::kernel_stack_guard()) => {
            Some("kernel stack overflow: the access hit the guard page below the kernel stack")
        }
        FaultStatus::Translation(_) if in_range(layout::exception_stack_guard()) => Some(
            "exception stack overflow: the access hit the guard page below the exception stack",
        ),
        FaultStatus::Translation(_) if in_range(layout::null_page()) => {
            Some("null pointer dereference (the first page is never mapped)")
        }
        FaultStatus::Translation(_) | FaultStatus::AddressSize(_) => {
            Some("access to an address the kernel does not map")
        }
        FaultStatus::Permission(_) if access == Access::Write && in_range(layout::text()) => {
            Some("write to kernel text, which is mapped read-only")
        }
        FaultStatus::Permission(_) if access == Access::Write && in_range(layout::rodata()) => {
            Some("write to read-only data")
        }
        FaultStatus::Permission(_) if access == Access::Execute => {
            Some("attempt to execute memory mapped non-executable (data, stack or heap)")
        }
        FaultStatus::Alignment => Some("misaligned access (device memory needs natural alignment)"),
        FaultStatus::UnsupportedAtomic => {
            Some("atomic access to memory that does not support it (MMU or cache off?)")
        }
        _ => None,
    }
}
