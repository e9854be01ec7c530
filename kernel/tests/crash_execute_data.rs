//! Data is never executable: jumping to a valid instruction (`ret`) placed on
//! the stack is an instruction abort (permission fault), reported as such.
#![no_std]
#![no_main]

kernel::test_spec!(
    "exit 102",
    "expect class    Instruction Abort from the current EL (EC 0x21)",
    "expect fault    permission fault, level 3 on execute",
    "expect cause    attempt to execute memory mapped non-executable (data, stack or heap)",
    "expect *** core 0 halted",
);

kernel::test_kernel!(execute_from_the_stack);

fn execute_from_the_stack() {
    // Four `ret` instructions: harmless if they ran, so only the MMU stops them.
    let code: [u32; 4] = [0xd65f_03c0; 4];
    let code = core::hint::black_box(&code);
    // SAFETY: deliberately wrong: the address is stack memory, mapped
    // non-executable, so the call faults and never returns here.
    let function: extern "C" fn() = unsafe { core::mem::transmute(code.as_ptr()) };
    function();
    panic!("executed code on the stack at {:p}", code.as_ptr());
}
