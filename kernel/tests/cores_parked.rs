//! Cores 1-3 leave the firmware's spin table for the kernel's own WFI park
//! loop (`park_core` in boot/src/entry.s), released through the spin table the
//! way the Pi firmware's stub expects. The runner traces the run (`check
//! cores-parked`): the loop's `wfi` must have executed, and only the
//! secondary cores ever go there.
#![no_std]
#![no_main]

kernel::test_spec!("check cores-parked");
kernel::test_kernel!(core_zero_runs_the_kernel);

fn core_zero_runs_the_kernel() {
    assert_eq!(kernel::arch::cpu::core_id(), 0);
}
