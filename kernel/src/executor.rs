//! The kernel's scheduler: the async core's executor on this core, sleeping
//! in WFI when nothing is ready.
//!
//! [`block_on`] runs the binary's main future; [`spawn`] adds tasks (from
//! tasks or from interrupt handlers). The platform glue is two functions:
//!
//! * **idle** — masks IRQs, asks the executor once more whether anything is
//!   ready, programs the timer comparator for the earliest timer (or turns it
//!   off), executes WFI, and unmasks. WFI wakes on a *pending* interrupt even
//!   while IRQs are masked, so an interrupt that arrives after the check still
//!   ends the sleep; after the unmask its handler runs, and the executor sees
//!   the task it woke. If the timer's deadline is what ended the sleep, idle
//!   turns the comparator off while still masked: the executor fires due
//!   timers itself, so the timer's handler would have nothing to add, and
//!   the wake-up skips an exception entry and return.
//! * **the timer interrupt** — the comparator's handler only turns the
//!   comparator off (dropping the level-triggered line). Due timers are fired
//!   by the executor itself, before each batch of polls.
//!
//! The executor is created on first use, which also claims the timer
//! interrupt line; test kernels that drive the timer themselves never create it.

use crate::arch::{cpu, timer};
use crate::{board, irq};
use async_core::{Executor, JoinHandle, Platform};
use core::future::Future;

pub use async_core::{
    ExecutorStats, JoinError, SpawnError, TaskId, TaskInfo, TaskState, spawn, spawn_named,
    try_spawn, yield_now,
};

static EXECUTOR: spin::Once<Executor> = spin::Once::new();

struct WfiPlatform;

impl Platform for WfiPlatform {
    fn idle(&self, deadline: Option<u64>, ready: &dyn Fn() -> bool) {
        let irq_state = cpu::mask_irqs();
        if !ready() {
            match deadline {
                Some(ticks) => timer::set_deadline(ticks),
                None => timer::cancel(),
            }
            cpu::wait_for_interrupt();
            if timer::has_fired() {
                // The deadline came: that is all the timer interrupt has to
                // say, and the executor fires the due timers next. Dropping
                // the line here, still masked, spares taking the exception.
                timer::cancel();
            }
        }
        cpu::restore_irqs(irq_state);
    }

    fn notify(&self) {
        // One core: a task queued by an interrupt handler already woke the
        // core from WFI (that interrupt did), and one queued by a task is seen
        // by the executor, which is running. (Cross-core wakes will send an SGI.)
    }

    fn needs_notify(&self) -> bool {
        false
    }

    fn in_interrupt(&self) -> bool {
        // Handlers run with IRQs masked and never unmask them; tasks run
        // unmasked except in critical sections (where the inbox is also right).
        cpu::irqs_masked()
    }
}

fn on_timer_interrupt(_line: irq::IrqLine) {
    timer::cancel();
}

/// This core's executor, created (and the timer interrupt claimed) on first use.
pub fn executor() -> &'static Executor {
    EXECUTOR.call_once(|| {
        if let Err(error) = irq::register(board::irq::TIMER, on_timer_interrupt) {
            panic!("the executor needs the timer interrupt: {error}");
        }
        irq::enable(board::irq::TIMER);
        Executor::new(WfiPlatform)
    })
}

/// Runs `future` to completion on this core's executor, running spawned tasks
/// meanwhile; the core sleeps in WFI whenever nothing is ready.
pub fn block_on<F: Future>(future: F) -> F::Output {
    executor().block_on(future)
}

/// Spawns `future` on this core's executor without a current-executor lookup.
pub fn spawn_on_core<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    executor().spawn(future)
}

/// Like [`spawn_on_core`], with a name that `ps` shows.
pub fn spawn_named_on_core<F>(name: &'static str, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    executor().spawn_named(name, future)
}

/// A snapshot of every live task (for `ps`).
pub fn tasks() -> alloc::vec::Vec<TaskInfo> {
    executor().tasks()
}

/// Executor counters (for `top`, `info`).
pub fn stats() -> ExecutorStats {
    executor().stats()
}
