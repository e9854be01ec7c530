//! From the reset vector to the kernel's main function.
//!
//! `boot/src/entry.s` enters [`_start_rust`] on core 0 at EL1, on the kernel
//! stack, with BSS zeroed and the MMU and data cache off. Start-up has two
//! phases:
//!
//! 1. **MMU-off phase** (this file, until `enable_identity_map` returns). On a
//!    real Pi, exclusive loads/stores — every atomic read-modify-write, every
//!    lock, every `Waker` — hang or fault while the MMU is off, even though QEMU
//!    accepts them. So this phase only routes the console UART to the header
//!    pins, asks the firmware (mailbox, plain MMIO) how much RAM the ARM has,
//!    and builds and enables the identity map. No locks, no `log`, no heap,
//!    no `print!` (a crash report still gets out: it writes without a lock).
//! 2. **Start-up**, with MMU and caches on: logger, heap, interrupt
//!    controller, the boot banner, then IRQs on and the binary's main function
//!    (named by `kernel_main!` or a test-kernel macro).

use crate::arch::{cpu, mmu};
use crate::board;
use crate::drivers::mailbox::Mailbox;
use crate::mem::{heap, layout};
use crate::{console, irq, logger, println};
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use hw_formats::mailbox::{
    PropertyBuffer, TAG_GET_ARM_MEMORY, TAG_GET_BOARD_REVISION, TAG_GET_FIRMWARE_REVISION,
    TAG_GET_VC_MEMORY,
};
use hw_formats::paging::{MemoryLayout, Range};
use hw_formats::revision::BoardRevision;

/// What the loader, the boot code and the firmware told the kernel at boot.
#[derive(Clone, Copy, Debug)]
pub struct BootInfo {
    /// x0 as the loader left it: the device tree's address, or 0x100 (ATAGS).
    pub boot_argument: u64,
    /// The exception level the kernel was entered at (2 from the Pi firmware
    /// and QEMU's raw-image boot, 3 when QEMU boots the ELF).
    pub entry_el: u8,
    /// CNTPCT_EL0 at the first instruction: time zero for [`uptime`].
    pub entry_counter: u64,
    /// Answers from the firmware.
    pub firmware: FirmwareFacts,
    /// End of the RAM the identity map covers (the ARM's memory, rounded down
    /// to 2 MiB).
    pub ram_end: u64,
}

/// What the firmware reported through the mailbox; `None` where it did not answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirmwareFacts {
    /// Board revision code.
    pub board_revision: Option<BoardRevision>,
    /// RAM given to the ARM: (base, size) in bytes.
    pub arm_memory: Option<(u32, u32)>,
    /// RAM kept by the VideoCore: (base, size) in bytes.
    pub vc_memory: Option<(u32, u32)>,
    /// Firmware revision (a build timestamp).
    pub firmware_revision: Option<u32>,
}

static BOOT_INFO: spin::Once<BootInfo> = spin::Once::new();
static ENTRY_COUNTER: AtomicU64 = AtomicU64::new(0);
/// Counter ticks from the first instruction to the banner's last line.
static BOOT_TICKS: AtomicU64 = AtomicU64::new(0);

unsafe extern "Rust" {
    /// The binary's main function, defined by `kernel_main!` or a test macro.
    fn __kernel_main() -> !;
    /// A test kernel's function for the MMU-off phase (`test_main!`'s
    /// `before_mmu`); `None` in every other kernel.
    static __KERNEL_BEFORE_MMU: Option<fn()>;
}

/// Entered from `boot/src/entry.s`. Not to be called from Rust.
///
/// # Safety
/// Only the boot code may call this, once, on core 0, at EL1 with the MMU off.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _start_rust(boot_argument: u64, entry_el: u64, entry_counter: u64) -> ! {
    // ---- MMU-off phase: no atomics, no locks. ----
    // The console first: the firmware leaves the PL011 on the Bluetooth pins,
    // so until this, even a crash report would go nowhere a user can see.
    // SAFETY: start-up's single call, before anything else uses the console.
    unsafe { console::init() };
    // Asynchronous aborts (SErrors, e.g. a bus error on a posted write) are
    // reported from here on; before, there was nowhere to report them.
    cpu::unmask_serror();
    // SAFETY: every kernel binary defines this immutable static through the
    // entry macros; reading it is a plain load.
    if let Some(test_hook) = unsafe { __KERNEL_BEFORE_MMU } {
        test_hook();
    }
    let firmware = query_firmware();
    let ram_end = match firmware.arm_memory {
        Some((0, size)) if size > 0 => size as u64,
        _ => board::FALLBACK_RAM_END,
    };
    let unmapped =
        [layout::null_page(), layout::kernel_stack_guard(), layout::exception_stack_guard()]
            .map(|r| Range::new(r.start, r.end));
    let memory = MemoryLayout {
        ram_end,
        devices: &board::DEVICE_RANGES,
        kernel_text: Range::new(layout::text().start, layout::text().end),
        kernel_rodata: Range::new(layout::rodata().start, layout::rodata().end),
        unmapped: &unmapped,
    };
    // SAFETY: we are the boot code's single call on core 0 with the MMU off; the
    // layout maps the kernel text and stacks this code runs from.
    unsafe { mmu::enable_identity_map(&memory) };

    // ---- MMU and caches on. ----
    start(BootInfo {
        boot_argument,
        entry_el: entry_el as u8,
        entry_counter,
        firmware,
        ram_end: memory.ram_end_block_aligned(),
    })
}

/// Asks the firmware for the board revision and memory split. Runs with the MMU
/// off: the mailbox driver uses plain MMIO and no atomics.
fn query_firmware() -> FirmwareFacts {
    let mut message = PropertyBuffer::new();
    let tags = (
        message.push_tag(TAG_GET_BOARD_REVISION, 1, &[]),
        message.push_tag(TAG_GET_ARM_MEMORY, 2, &[]),
        message.push_tag(TAG_GET_VC_MEMORY, 2, &[]),
        message.push_tag(TAG_GET_FIRMWARE_REVISION, 1, &[]),
    );
    message.finish();
    // SAFETY: the board names the mailbox; nothing else uses it during boot.
    let mut mailbox = unsafe { Mailbox::new(board::MAILBOX_BASE) };
    if mailbox.call(&mut message).is_err() {
        return FirmwareFacts::default();
    }
    let one = |tag: Result<_, _>| {
        tag.ok().and_then(|t| message.response(t).ok()).and_then(|w| w.first().copied())
    };
    let two = |tag: Result<_, _>| {
        tag.ok().and_then(|t| message.response(t).ok()).and_then(|w| match w {
            [a, b, ..] => Some((*a, *b)),
            _ => None,
        })
    };
    FirmwareFacts {
        board_revision: one(tags.0).map(BoardRevision),
        arm_memory: two(tags.1),
        vc_memory: two(tags.2),
        firmware_revision: one(tags.3),
    }
}

fn start(info: BootInfo) -> ! {
    ENTRY_COUNTER.store(info.entry_counter, Ordering::Relaxed);
    let info = BOOT_INFO.call_once(|| info);
    logger::init(log::LevelFilter::Info);

    let (heap_start, heap_end) = heap_region(info);
    if heap_end > heap_start {
        // SAFETY: the region lies in mapped read-write RAM after the kernel
        // image (which includes its stacks and translation tables) and clear
        // of the firmware's device tree; nothing else uses it.
        unsafe { heap::init(heap_start as usize, (heap_end - heap_start) as usize) };
    }

    irq::init();
    print_banner(info);
    cpu::unmask_irqs();
    // SAFETY: every kernel binary defines `__kernel_main` through the entry macros.
    unsafe { __kernel_main() }
}

/// The heap: from the end of the kernel image to the end of mapped RAM, minus
/// the device tree the firmware may have placed there (x0 at entry), so the
/// blob stays intact for whoever wants to read it.
fn heap_region(info: &BootInfo) -> (u64, u64) {
    let start = layout::kernel_image().end;
    let end = info.ram_end;
    match device_tree_extent(info.boot_argument) {
        Some((dtb_start, dtb_end)) if dtb_end > start && dtb_start < end => {
            // Keep the larger side.
            if dtb_start.saturating_sub(start) >= end.saturating_sub(dtb_end) {
                (start, dtb_start & !0xfff)
            } else {
                ((dtb_end + 0xfff) & !0xfff, end)
            }
        }
        _ => (start, end),
    }
}

/// If `address` holds a flattened device tree (magic 0xd00dfeed), its extent.
fn device_tree_extent(address: u64) -> Option<(u64, u64)> {
    const FDT_MAGIC: u32 = 0xd00d_feed;
    if address == 0 || !address.is_multiple_of(8) || mmu::lookup(address).is_none() {
        return None;
    }
    // SAFETY: `address` is mapped (checked above) and 8-byte aligned; the FDT
    // header is two big-endian words (magic, total size).
    let (magic, size) = unsafe {
        let header = address as *const u32;
        (u32::from_be(header.read_volatile()), u32::from_be(header.add(1).read_volatile()))
    };
    (magic == FDT_MAGIC).then(|| (address, address + size as u64))
}

/// The board as the firmware names it (falling back to what the kernel was
/// built for when the firmware did not answer).
#[derive(Clone, Copy, Debug)]
pub struct BoardIdentity {
    /// Marketing name, e.g. "Raspberry Pi 4 Model B".
    pub name: &'static str,
    /// SoC name, e.g. "BCM2711".
    pub soc: &'static str,
    /// The firmware's board revision code (`None`: the firmware did not answer).
    pub revision: Option<u32>,
}

/// Names the board from the firmware's revision code.
pub fn board_identity(firmware: &FirmwareFacts) -> BoardIdentity {
    match firmware.board_revision {
        Some(rev) => BoardIdentity {
            name: rev.model().map_or("unknown board (old-style revision code)", |m| m.name()),
            soc: rev.soc().map_or("unknown SoC", |s| s.name()),
            revision: Some(rev.0),
        },
        None => {
            BoardIdentity { name: board::EXPECTED_BOARD, soc: board::SOC.name(), revision: None }
        }
    }
}

fn print_banner(info: &BootInfo) {
    let firmware = &info.firmware;
    let BoardIdentity { name: board_name, soc, revision } = board_identity(firmware);
    let revision = revision.unwrap_or(0);
    println!();
    if firmware.board_revision.is_some() {
        println!(
            "{} {} on {board_name} ({soc}, board revision {revision:#x})",
            crate::NAME,
            crate::VERSION
        );
    } else {
        println!(
            "{} {} on {board_name}? (the firmware did not report the board)",
            crate::NAME,
            crate::VERSION
        );
    }
    if let Some(reported) = firmware.board_revision.and_then(|r| r.soc())
        && reported != board::SOC
    {
        println!(
            "  warning   this kernel is built for {} ({}); the firmware reports {}",
            board::BSP_NAME,
            board::SOC.name(),
            reported.name()
        );
    }
    println!(
        "  entry     EL{}, now EL{} with MMU and caches {}",
        info.entry_el,
        cpu::current_el(),
        if mmu::is_enabled() && mmu::caches_enabled() { "on" } else { "OFF" }
    );
    match firmware.arm_memory {
        Some((base, size)) => {
            let board_mib = firmware.board_revision.and_then(|r| r.memory_mib());
            match board_mib {
                Some(total) => println!(
                    "  RAM       {} MiB for the ARM at {base:#x} (mailbox), {total} MiB on the board",
                    size >> 20
                ),
                None => {
                    println!("  RAM       {} MiB for the ARM at {base:#x} (mailbox)", size >> 20)
                }
            }
        }
        None => println!(
            "  RAM       mailbox did not answer; assuming {} MiB",
            board::FALLBACK_RAM_END >> 20
        ),
    }
    println!("  timer     {} Hz (CNTFRQ_EL0)", cpu::counter_frequency());
    let h = heap::stats();
    println!("  heap      {} KiB at {:#x}", h.size >> 10, h.start);
    let took = uptime();
    BOOT_TICKS.store(
        cpu::counter().wrapping_sub(ENTRY_COUNTER.load(Ordering::Relaxed)),
        Ordering::Relaxed,
    );
    println!(
        "  boot took {}.{:03} ms (kernel entry to this line)",
        took.as_secs() * 1000 + u64::from(took.subsec_millis()),
        took.subsec_micros() % 1000
    );
}

/// What boot learned; available once start-up has begun.
pub fn boot_info() -> Option<&'static BootInfo> {
    BOOT_INFO.get()
}

/// How long boot took: from the first instruction to the end of the banner.
pub fn boot_duration() -> Duration {
    hw_formats::counter::ticks_to_duration(
        BOOT_TICKS.load(Ordering::Relaxed),
        cpu::counter_frequency(),
    )
}

/// Time since the kernel's first instruction.
pub fn uptime() -> Duration {
    let ticks = cpu::counter().wrapping_sub(ENTRY_COUNTER.load(Ordering::Relaxed));
    hw_formats::counter::ticks_to_duration(ticks, cpu::counter_frequency())
}
