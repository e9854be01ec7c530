//! Interrupts: lines, handlers, and dispatch, the same on both boards.
//!
//! Each board has one interrupt controller (the GIC-400 on the Pi 4, the BCM2836
//! local controller in front of the BCM2835 legacy one on the Pi 3) that
//! implements [`InterruptController`]. Kernel code registers a handler for an
//! [`IrqLine`] — a board-specific number from `board::irq` — and enables it;
//! the IRQ vector calls `handle_pending`, which asks the controller for each
//! pending line, runs its handler and signals end-of-interrupt.
//!
//! Handlers are plain functions run with IRQs masked on the exception stack.
//! They should record what the hardware did and return; the handler table is
//! lock-free, so registering never blocks an interrupt.
//!
//! A line that fires without a handler is disabled (and counted) so it cannot
//! storm, and reported once; spurious IDs (GIC 1020-1023, or nothing pending)
//! are ignored. (On the Pi 3, the local PMU, AXI and local-timer sources cannot
//! be disabled per line; the kernel never enables them.)

use crate::board;
use core::fmt;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// An interrupt line, numbered as the board's controller numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IrqLine(u16);

impl IrqLine {
    /// The line with controller number `number`.
    pub const fn new(number: u16) -> Self {
        Self(number)
    }

    /// The controller's number for this line.
    pub const fn number(self) -> u16 {
        self.0
    }
}

impl fmt::Display for IrqLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IRQ {}", self.0)
    }
}

/// A function run when its line is pending.
pub type Handler = fn(IrqLine);

/// The interface every board's interrupt controller driver implements.
pub trait InterruptController: Sync {
    /// Line numbers are `0..LINES`.
    const LINES: usize;

    /// Puts the controller in a known state: every line disabled, this core
    /// receiving interrupts.
    fn init(&self);

    /// Lets `line` interrupt this core.
    fn enable(&self, line: IrqLine);

    /// Stops `line` from interrupting.
    fn disable(&self, line: IrqLine);

    /// Calls `handle` once for each pending line, acknowledging and ending
    /// each interrupt as the hardware requires; spurious IDs are skipped.
    fn dispatch(&self, handle: impl FnMut(IrqLine));
}

/// Why a handler could not be registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqError {
    /// The controller has no such line.
    NoSuchLine(IrqLine),
    /// Another handler already owns the line.
    AlreadyRegistered(IrqLine),
}

impl fmt::Display for IrqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchLine(line) => write!(f, "{line} does not exist on this board"),
            Self::AlreadyRegistered(line) => write!(f, "{line} already has a handler"),
        }
    }
}

const LINES: usize = <board::InterruptController as InterruptController>::LINES;

static HANDLERS: [AtomicPtr<()>; LINES] = [const { AtomicPtr::new(core::ptr::null_mut()) }; LINES];
static COUNTS: [AtomicU64; LINES] = [const { AtomicU64::new(0) }; LINES];
static UNHANDLED: AtomicU64 = AtomicU64::new(0);
/// Bit per line (first 64 lines) / overflow flag: which unhandled lines were reported.
static REPORTED: [core::sync::atomic::AtomicBool; LINES] =
    [const { core::sync::atomic::AtomicBool::new(false) }; LINES];

/// Initialises the board's interrupt controller (all lines disabled).
pub fn init() {
    board::INTERRUPT_CONTROLLER.init();
}

/// Makes `handler` the handler of `line`. Does not enable the line.
pub fn register(line: IrqLine, handler: Handler) -> Result<(), IrqError> {
    let slot = HANDLERS.get(line.0 as usize).ok_or(IrqError::NoSuchLine(line))?;
    slot.compare_exchange(
        core::ptr::null_mut(),
        handler as *mut (),
        Ordering::AcqRel,
        Ordering::Acquire,
    )
    .map(|_| ())
    .map_err(|_| IrqError::AlreadyRegistered(line))
}

/// Disables `line` and removes its handler.
pub fn unregister(line: IrqLine) {
    disable(line);
    if let Some(slot) = HANDLERS.get(line.0 as usize) {
        slot.store(core::ptr::null_mut(), Ordering::Release);
    }
}

/// Lets `line` interrupt (its handler should be registered first).
pub fn enable(line: IrqLine) {
    if (line.0 as usize) < LINES {
        board::INTERRUPT_CONTROLLER.enable(line);
    }
}

/// Stops `line` from interrupting.
pub fn disable(line: IrqLine) {
    if (line.0 as usize) < LINES {
        board::INTERRUPT_CONTROLLER.disable(line);
    }
}

/// How many times `line`'s handler has run.
pub fn count(line: IrqLine) -> u64 {
    COUNTS.get(line.0 as usize).map_or(0, |c| c.load(Ordering::Relaxed))
}

/// How many interrupts arrived on lines without a handler (each such line is
/// disabled when it happens).
pub fn unhandled_count() -> u64 {
    UNHANDLED.load(Ordering::Relaxed)
}

/// Runs the handler of every pending line. Called by the IRQ vector only.
pub(crate) fn handle_pending() {
    board::INTERRUPT_CONTROLLER.dispatch(|line| {
        let index = line.0 as usize;
        let handler =
            HANDLERS.get(index).map_or(core::ptr::null_mut(), |h| h.load(Ordering::Acquire));
        if handler.is_null() {
            UNHANDLED.fetch_add(1, Ordering::Relaxed);
            board::INTERRUPT_CONTROLLER.disable(line);
            if !REPORTED[index].swap(true, Ordering::Relaxed) {
                log::warn!("{line} fired without a handler; disabled it");
            }
            return;
        }
        if let Some(count) = COUNTS.get(index) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the only non-null values ever stored in HANDLERS are
        // `Handler` function pointers (see `register`).
        let handler: Handler = unsafe { core::mem::transmute::<*mut (), Handler>(handler) };
        handler(line);
    });
}
