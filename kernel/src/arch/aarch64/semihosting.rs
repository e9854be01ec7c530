//! Arm semihosting, used by test kernels to end QEMU with an exit status.
//!
//! Only meaningful under QEMU started with `-semihosting-config enable=on`
//! (tools/qemu-runner does this for tests). On real hardware, or in QEMU
//! without the option, `hlt #0xf000` is an undefined instruction, so the normal
//! kernel never calls this.

use core::arch::asm;

const SYS_EXIT: u64 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Ends the emulator with `code` as its exit status.
pub fn exit(code: u32) -> ! {
    let block: [u64; 2] = [ADP_STOPPED_APPLICATION_EXIT, code as u64];
    // SAFETY: the SYS_EXIT call reads the two-word parameter block, which lives
    // on this stack frame for the duration of the call; it does not return when
    // semihosting is enabled.
    unsafe {
        asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack));
    }
    super::cpu::halt()
}
