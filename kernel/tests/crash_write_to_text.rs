//! Kernel text is mapped read-only: a store to it is a permission fault, and the
//! report says it was a write to kernel text.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 102",
    "expect class    Data Abort from the current EL (EC 0x25)",
    "expect fault    permission fault, level 3 on write",
    "expect cause    write to kernel text, which is mapped read-only",
    "expect ELR_EL1  {sym:store_zero_to}",
    "expect FAR_EL1  {sym:store_zero_to}",
    "expect *** core 0 halted",
);

kernel::test_kernel!(write_to_kernel_text);

/// Stores zero to `address`: the faulting instruction is this symbol's first.
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn store_zero_to(address: u64) {
    core::arch::naked_asm!("str xzr, [x0]", "ret")
}

fn write_to_kernel_text() {
    // Overwrite this very function's first instruction.
    let target = store_zero_to as *const () as u64;
    store_zero_to(target);
    panic!("wrote to kernel text at {target:#x} without a fault");
}
