//! Entry at EL3 works: QEMU booting the ELF (rather than the raw image) starts
//! all four cores at `_start` in EL3. Core 0 must drop through EL2 to EL1 and
//! boot normally; cores 1-3 must park.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::arch::{cpu, mmu, timer};
use kernel::{board, irq};

kernel::test_spec!(
    "boot elf",
    "expect entry     EL3, now EL1 with MMU and caches on",
    "expect timer     {counter_hz} Hz (CNTFRQ_EL0)",
);

kernel::test_kernel!(entered_at_el3_and_runs_at_el1, timer_and_interrupts_work_after_el3_entry);

fn entered_at_el3_and_runs_at_el1() {
    let info = kernel::start::boot_info().unwrap();
    assert_eq!(info.entry_el, 3);
    assert_eq!(cpu::current_el(), 1);
    assert!(mmu::is_enabled());
}

static TIMER_IRQS: AtomicU32 = AtomicU32::new(0);

fn on_timer(_line: irq::IrqLine) {
    timer::cancel();
    TIMER_IRQS.fetch_add(1, Ordering::SeqCst);
}

fn timer_and_interrupts_work_after_el3_entry() {
    // The EL2 configuration (CNTHCTL_EL2) must have been applied on this path
    // too, or EL1's access to the physical timer would trap; and the interrupt
    // must reach EL1 through the controller as after a normal boot.
    assert!(cpu::counter_frequency() > 0, "CNTFRQ_EL0 is set");
    irq::register(board::irq::TIMER, on_timer).unwrap();
    irq::enable(board::irq::TIMER);
    timer::set_deadline_in(cpu::counter_frequency() / 1000);
    let start = cpu::counter();
    while TIMER_IRQS.load(Ordering::SeqCst) == 0 {
        assert!(cpu::counter() - start < cpu::counter_frequency(), "no timer interrupt within 1 s");
    }
    assert_eq!(irq::count(board::irq::TIMER), 1);
}
