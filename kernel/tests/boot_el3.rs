//! Entry at EL3 works: QEMU booting the ELF (rather than the raw image) starts
//! all four cores at `_start` in EL3. Core 0 must drop through EL2 to EL1 and
//! boot normally; cores 1-3 must park.
#![no_std]
#![no_main]

use kernel::arch::{cpu, mmu};

kernel::test_spec!(
    "boot elf",
    "expect entry     EL3, now EL1 with MMU and caches on",
    "expect timer     62500000 Hz (CNTFRQ_EL0)",
);

kernel::test_kernel!(entered_at_el3_and_runs_at_el1, timer_and_interrupts_work_after_el3_entry);

fn entered_at_el3_and_runs_at_el1() {
    let info = kernel::start::boot_info().unwrap();
    assert_eq!(info.entry_el, 3);
    assert_eq!(cpu::current_el(), 1);
    assert!(mmu::is_enabled());
}

fn timer_and_interrupts_work_after_el3_entry() {
    // The EL2 configuration (CNTHCTL_EL2) must have been applied on this path
    // too, or EL1's access to the physical timer would trap.
    kernel::arch::timer::set_deadline_in(cpu::counter_frequency() / 1000);
    let start = cpu::counter();
    while !kernel::arch::timer::has_fired() {
        assert!(cpu::counter() - start < cpu::counter_frequency(), "timer never fired");
    }
    kernel::arch::timer::cancel();
}
