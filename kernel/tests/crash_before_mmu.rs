//! A crash in the MMU-off phase, right after the console is set up, still
//! gives a full crash report, and the whole run, crash reporter included,
//! executes no exclusive load/store or atomic instruction: on a real Pi,
//! with the MMU off, one would hang the core before the report got out
//! (QEMU accepts them, so the runner checks its instruction trace).
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 102",
    "check no-atomics",
    "expect *** KERNEL CRASH: fatal exception ***",
    "expect class    Unknown reason (undefined instruction) (EC 0x00)",
    "expect ELR_EL1  {sym:undefined_before_mmu}",
    "expect #0  {sym:undefined_before_mmu}",
    "expect heap     0 bytes",
    "expect *** core 0 halted",
);

kernel::test_main!(main, before_mmu = crash_before_mmu);

/// Called by start-up with the MMU off.
fn crash_before_mmu() {
    undefined_before_mmu();
}

/// Its first instruction is permanently undefined (`udf #0`).
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn undefined_before_mmu() {
    core::arch::naked_asm!("udf #0", "ret")
}

fn main() -> ! {
    panic!("start-up got past a crash in its MMU-off phase");
}
