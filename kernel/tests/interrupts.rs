//! The generic timer's interrupt (CNTP) arrives through the board's interrupt
//! controller, once per arming, only while its line is enabled and IRQs are
//! unmasked; registering a line twice is an error; IRQ-safe locks mask IRQs.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::arch::{cpu, timer};
use kernel::board;
use kernel::irq::{self, IrqError, IrqLine};
use kernel::sync::IrqSafeSpinLock;

kernel::test_kernel!(
    timer_interrupt_arrives,
    timer_interrupt_repeats_when_rearmed,
    masked_interrupt_is_taken_after_unmasking,
    disabled_line_does_not_interrupt,
    registering_a_line_twice_is_an_error,
    irq_safe_lock_masks_interrupts,
);

static TICKS: AtomicU32 = AtomicU32::new(0);
static REARMS_LEFT: AtomicU32 = AtomicU32::new(0);

/// Counts the interrupt and either re-arms (1 ms later) or stops the timer.
fn on_timer(_line: IrqLine) {
    TICKS.fetch_add(1, Ordering::SeqCst);
    if REARMS_LEFT.load(Ordering::SeqCst) > 0 {
        REARMS_LEFT.fetch_sub(1, Ordering::SeqCst);
        timer::set_deadline_in(timer::frequency() / 1000);
    } else {
        timer::cancel();
    }
}

fn ms(n: u64) -> u64 {
    timer::frequency() * n / 1000
}

/// Spins until `done` or `limit_ticks` pass; returns whether `done` held.
fn wait_until(limit_ticks: u64, done: impl Fn() -> bool) -> bool {
    let start = timer::now();
    while !done() {
        if timer::now() - start > limit_ticks {
            return false;
        }
        core::hint::spin_loop();
    }
    true
}

fn setup() {
    TICKS.store(0, Ordering::SeqCst);
    REARMS_LEFT.store(0, Ordering::SeqCst);
    let _ = irq::register(board::irq::TIMER, on_timer);
    irq::enable(board::irq::TIMER);
}

fn timer_interrupt_arrives() {
    setup();
    let before = irq::count(board::irq::TIMER);
    let start = timer::now();
    timer::set_deadline(start + ms(10));
    assert!(
        wait_until(ms(2000), || TICKS.load(Ordering::SeqCst) == 1),
        "no timer interrupt within 2 s"
    );
    let elapsed = timer::now() - start;
    assert!(elapsed >= ms(10), "interrupt came early: {elapsed} ticks");
    assert_eq!(irq::count(board::irq::TIMER), before + 1);
    // Cancelled in the handler: no second interrupt.
    assert!(!wait_until(ms(20), || TICKS.load(Ordering::SeqCst) > 1));
}

fn timer_interrupt_repeats_when_rearmed() {
    setup();
    REARMS_LEFT.store(9, Ordering::SeqCst);
    timer::set_deadline_in(ms(1));
    assert!(
        wait_until(ms(2000), || TICKS.load(Ordering::SeqCst) == 10),
        "got {}",
        TICKS.load(Ordering::SeqCst)
    );
    assert!(!wait_until(ms(20), || TICKS.load(Ordering::SeqCst) > 10));
}

fn masked_interrupt_is_taken_after_unmasking() {
    setup();
    let state = cpu::mask_irqs();
    timer::set_deadline(timer::now());
    assert!(wait_until(ms(100), timer::has_fired));
    // Pending at the controller, but masked at the CPU: not taken.
    for _ in 0..1000 {
        core::hint::spin_loop();
    }
    assert_eq!(TICKS.load(Ordering::SeqCst), 0);
    cpu::restore_irqs(state);
    assert!(wait_until(ms(100), || TICKS.load(Ordering::SeqCst) == 1));
}

fn disabled_line_does_not_interrupt() {
    setup();
    irq::disable(board::irq::TIMER);
    timer::set_deadline(timer::now());
    assert!(!wait_until(ms(20), || TICKS.load(Ordering::SeqCst) > 0), "disabled line interrupted");
    irq::enable(board::irq::TIMER);
    assert!(wait_until(ms(100), || TICKS.load(Ordering::SeqCst) == 1));
}

fn registering_a_line_twice_is_an_error() {
    setup();
    assert_eq!(
        irq::register(board::irq::TIMER, on_timer),
        Err(IrqError::AlreadyRegistered(board::irq::TIMER))
    );
    let no_such_line = IrqLine::new(u16::MAX);
    assert_eq!(irq::register(no_such_line, on_timer), Err(IrqError::NoSuchLine(no_such_line)));
}

fn irq_safe_lock_masks_interrupts() {
    static LOCK: IrqSafeSpinLock<u32> = IrqSafeSpinLock::new(0);
    assert!(!cpu::irqs_masked());
    {
        let mut guard = LOCK.lock();
        *guard += 1;
        assert!(cpu::irqs_masked());
        assert!(LOCK.try_lock().is_none(), "the lock is held");
        assert!(cpu::irqs_masked(), "a failed try_lock keeps the outer mask");
    }
    assert!(!cpu::irqs_masked());
    assert_eq!(*LOCK.lock(), 1);
}
