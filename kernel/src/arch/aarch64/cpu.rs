//! Small CPU operations: interrupt masking, waiting for interrupts, core and
//! exception-level identity, the generic counter, and data-cache maintenance.

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{MIDR_EL1, MPIDR_EL1, Readable};
use core::arch::asm;

// Shared with the chainloader (the `soc` crate): IRQ masking and the counter.
pub use soc::cpu::{
    IrqState, counter, counter_frequency, current_el, irqs_masked, mask_irqs, restore_irqs,
    unmask_irqs,
};

/// The number of the core executing this code (MPIDR_EL1.Aff0).
#[inline]
pub fn core_id() -> usize {
    (MPIDR_EL1.get() & 0xff) as usize
}

/// The core's name from MIDR_EL1 (implementer Arm, part number), e.g.
/// "Cortex-A72"; "unknown core" for anything else.
pub fn core_name() -> &'static str {
    let (implementer, part) =
        (MIDR_EL1.read(MIDR_EL1::Implementer), MIDR_EL1.read(MIDR_EL1::PartNum));
    match (implementer, part) {
        (0x41, 0xd03) => "Cortex-A53",
        (0x41, 0xd04) => "Cortex-A35",
        (0x41, 0xd07) => "Cortex-A57",
        (0x41, 0xd08) => "Cortex-A72",
        (0x41, 0xd0b) => "Cortex-A76",
        _ => "unknown core",
    }
}

unsafe extern "C" {
    /// One u64 per core, set to 1 by the core when it enters the kernel's
    /// park loop (boot/src/entry.s); one cache line.
    #[link_name = "parked_cores"]
    static PARKED_CORES: [u64; 8];
}

/// Which cores have reached the kernel's park loop (index = core number):
/// cores 1-3, released through the spin table at boot, once they got there.
pub fn parked_cores() -> [bool; 4] {
    let flags = core::ptr::addr_of!(PARKED_CORES);
    // SAFETY: `dc ivac` discards this core's copy of the flags' cache line
    // (it never writes the line, so nothing is lost): the parked cores wrote
    // them with their caches off, straight to memory. The reads are volatile
    // loads of the boot code's own variable.
    unsafe {
        asm!("dc ivac, {}", "dsb sy", in(reg) flags, options(nostack, preserves_flags));
        let flags = flags as *const u64;
        core::array::from_fn(|core| flags.add(core).read_volatile() != 0)
    }
}

/// Unmasks SError interrupts (asynchronous aborts) on this core.
#[inline]
pub fn unmask_serror() {
    // SAFETY: clearing PSTATE.A lets SErrors be taken; the vector table
    // reports them. Acts as a compiler barrier.
    unsafe { asm!("msr daifclr, #4", options(nostack, preserves_flags)) };
}

/// Sleeps until an interrupt is pending (even if masked). Never WFE: QEMU
/// treats WFE as a busy yield.
#[inline]
pub fn wait_for_interrupt() {
    aarch64_cpu::asm::wfi();
}

/// Stops this core for good: IRQs masked, sleeping in WFI.
pub fn halt() -> ! {
    let _ = mask_irqs();
    loop {
        wait_for_interrupt();
    }
}

/// Smallest data-cache line size in bytes (CTR_EL0.DminLine).
#[inline]
pub fn dcache_line_size() -> usize {
    let ctr: u64;
    // SAFETY: reading CTR_EL0 (cache type register) has no side effects.
    unsafe { asm!("mrs {}, CTR_EL0", out(reg) ctr, options(nomem, nostack, preserves_flags)) };
    4 << ((ctr >> 16) & 0xf)
}

/// Applies one data-cache maintenance instruction to every line of
/// `[start, start + len)`, then waits for completion (`dsb sy`).
fn for_each_dcache_line(start: usize, len: usize, mut op: impl FnMut(usize)) {
    let line = dcache_line_size();
    let mut addr = start & !(line - 1);
    let end = start.saturating_add(len);
    while addr < end {
        op(addr);
        addr += line;
    }
    barrier::dsb(barrier::SY);
}

/// Cleans the data cache over `[start, start + len)` to the point of
/// coherency, so a non-coherent bus master (the VideoCore) sees what the CPU
/// wrote. Works with the MMU on or off.
pub fn clean_dcache(start: usize, len: usize) {
    for_each_dcache_line(start, len, |addr| {
        // SAFETY: DC CVAC writes a dirty line back to memory; it never changes
        // what the address holds.
        unsafe { asm!("dc cvac, {}", in(reg) addr, options(nostack, preserves_flags)) }
    });
}

/// Invalidates the data cache over `[start, start + len)`, so the CPU rereads
/// what a bus master wrote to memory.
///
/// # Safety
/// Dirty data in those lines is discarded: the range must cover whole cache
/// lines that hold nothing the CPU wrote and still needs (a dedicated,
/// line-aligned and line-padded buffer).
pub unsafe fn invalidate_dcache(start: usize, len: usize) {
    for_each_dcache_line(start, len, |addr| {
        // SAFETY: the caller guarantees the lines hold no data worth keeping.
        unsafe { asm!("dc ivac, {}", in(reg) addr, options(nostack, preserves_flags)) }
    });
}

/// A full-system data synchronization barrier: every earlier memory access
/// (including device accesses) completes before any later instruction.
#[inline]
pub fn data_synchronization_barrier() {
    barrier::dsb(barrier::SY);
}
