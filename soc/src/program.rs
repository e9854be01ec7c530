//! What the programs that run before the kernel share — the chainloader and
//! the decompressor of a packed kernel8.img: their entry code
//! (`program_entry.s`: park other cores, move the program from 0x80000 to
//! where `program.ld` links it, enable FP/SIMD, stack, BSS, then call
//! `program_main(boot_argument, loaded_at)`), and [`start_kernel`], which
//! starts a kernel the way the firmware does.
//!
//! A program using this module links with `soc/program.ld` and defines
//! `#[unsafe(no_mangle)] extern "C" fn program_main(boot_argument: u64, loaded_at: usize) -> !`.

core::arch::global_asm!(include_str!("program_entry.s"));

/// The board this program was built for, for the test runner (not loaded).
#[unsafe(link_section = ".kernel_board")]
#[used]
static BOARD: [u8; 4] = crate::board::BSP_NAME_BYTES;

/// Where every kernel is loaded and started (where the firmware puts kernel8.img).
pub const KERNEL_ADDRESS: usize = 0x80000;

unsafe extern "C" {
    /// First byte of the program as linked (`program.ld`).
    static __program_start: u8;
    /// End of the program's loaded bytes (code and data), as linked.
    static __program_image_end: u8;
    /// End of everything the program uses (BSS, stack); free memory follows.
    static __program_end: u8;
    /// Jumps to `entry` with x0 = `boot_argument` and x1-x3 = 0, after
    /// invalidating the instruction cache (`program_entry.s`).
    #[link_name = "start_kernel"]
    fn start_kernel_asm(boot_argument: u64, entry: usize) -> !;
}

/// Where the program runs: the end of the room a kernel may use at [`KERNEL_ADDRESS`].
pub fn start_address() -> usize {
    core::ptr::addr_of!(__program_start) as usize
}

/// Size of the program's image (what the entry code copied).
pub fn image_len() -> usize {
    core::ptr::addr_of!(__program_image_end) as usize - start_address()
}

/// First byte of free memory above the program.
pub fn end_address() -> usize {
    core::ptr::addr_of!(__program_end) as usize
}

/// Starts the kernel at `entry` as the firmware would: x0 = `boot_argument`,
/// x1-x3 = 0, same exception level, MMU and data cache off.
///
/// # Safety
/// A complete kernel image must be at `entry`; nothing of the caller's runs again.
pub unsafe fn start_kernel(boot_argument: u64, entry: usize) -> ! {
    // SAFETY: the caller vouches for the image; the routine only flushes the
    // instruction cache and branches.
    unsafe { start_kernel_asm(boot_argument, entry) }
}
