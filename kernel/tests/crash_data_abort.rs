//! A load from an unmapped address gives a crash report naming a data abort,
//! with the faulting instruction (ELR), the address (FAR), all registers and a
//! backtrace; the test kernel then exits with status 102.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 102",
    "expect test read_from_unmapped_address ... ",
    "expect *** KERNEL CRASH: fatal exception ***",
    "expect synchronous exception taken from kernel code (EL1, SP_EL0)",
    "expect class    Data Abort from the current EL (EC 0x25)",
    "expect fault    translation fault, level ",
    "expect  on read",
    "expect cause    access to an address the kernel does not map",
    "expect ESR_EL1  0x0000000096000",
    "expect ELR_EL1  {sym:load_from}",
    "expect FAR_EL1  0x00000000dead0000",
    "expect SPSR_EL1 0x",
    "expect (EL1t masks ",
    "expect x0       0x00000000dead0000",
    "expect x29(fp) ",
    "expect x30(lr) ",
    "expect sp ",
    "expect backtrace (innermost first):",
    "expect #0  {sym:load_from}",
    "expect #1  0x",
    "expect heap ",
    "expect *** core 0 halted",
);

kernel::test_kernel!(read_from_unmapped_address);

/// Loads a word from `address`: the faulting instruction is this symbol's first.
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn load_from(address: u64) -> u64 {
    core::arch::naked_asm!("ldr x0, [x0]", "ret")
}

fn read_from_unmapped_address() {
    let value = load_from(0xdead_0000);
    panic!("read {value:#x} from an unmapped address without a fault");
}
