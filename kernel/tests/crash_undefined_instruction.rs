//! An undefined instruction gives a crash report with exception class
//! "Unknown reason" and ELR at the instruction; the test kernel exits with 102.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 102",
    "expect *** KERNEL CRASH: fatal exception ***",
    "expect class    Unknown reason (undefined instruction) (EC 0x00)",
    "expect ESR_EL1  0x0000000002000000",
    "expect ELR_EL1  {sym:undefined_instruction}",
    "expect FAR_EL1 ",
    "expect x29(fp) ",
    "expect #0  {sym:undefined_instruction}",
    "expect *** core 0 halted",
);

kernel::test_kernel!(execute_undefined_instruction);

/// Its first instruction is permanently undefined (`udf #0`).
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn undefined_instruction() {
    core::arch::naked_asm!("udf #0", "ret")
}

fn execute_undefined_instruction() {
    undefined_instruction();
    panic!("an undefined instruction executed without an exception");
}
