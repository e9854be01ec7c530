//! The MMU: the kernel's identity map and the switch that turns it on.
//!
//! The map itself is planned by `hw_formats::paging::MemoryLayout`; this module
//! writes the plan into statically allocated tables (one level-1 table of four
//! 1 GiB entries, a level-2 table per GiB in use, and one level-3 table for the
//! first 2 MiB, where the kernel image and its guard pages need 4 KiB
//! granularity), programs MAIR/TCR/TTBR0 and sets SCTLR_EL1.{M, C, I}.
//!
//! [`enable_identity_map`] runs in the MMU-off phase of boot, so the code here
//! must not execute atomic instructions or take locks: on a real Pi, exclusive
//! loads and stores with the MMU off hang or fault.

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{
    MAIR_EL1, PAR_EL1, ReadWriteable, Readable, SCTLR_EL1, TCR_EL1, TTBR0_EL1, Writeable,
};
use core::arch::asm;
use core::cell::UnsafeCell;
use hw_formats::paging::{
    self, BLOCK_SIZE_L1, BLOCK_SIZE_L2, ENTRIES_PER_TABLE, LEVEL1_ENTRIES, MemoryLayout, PAGE_SIZE,
};

#[repr(C, align(4096))]
struct Table([u64; ENTRIES_PER_TABLE]);

impl Table {
    const fn empty() -> Self {
        Self([0; ENTRIES_PER_TABLE])
    }
}

#[repr(C)]
struct TranslationTables {
    level1: Table,
    level2: [Table; LEVEL1_ENTRIES],
    level3_first_2mib: Table,
}

/// The tables live in BSS (zeroed by the boot code before Rust runs).
struct TablesCell(UnsafeCell<TranslationTables>);

// SAFETY: the tables are written only by `enable_identity_map`, once, on core 0,
// before any other code runs; afterwards only the MMU and `lookup` read them.
unsafe impl Sync for TablesCell {}

static TABLES: TablesCell = TablesCell(UnsafeCell::new(TranslationTables {
    level1: Table::empty(),
    level2: [const { Table::empty() }; LEVEL1_ENTRIES],
    level3_first_2mib: Table::empty(),
}));

/// Builds the identity map for `layout` and turns on the MMU and both caches.
///
/// # Safety
/// Must be called exactly once, on the boot core, with the MMU off, before
/// anything else reads or writes the translation tables. `layout` must map the
/// code that is executing (the kernel text) and the current stack.
pub unsafe fn enable_identity_map(layout: &MemoryLayout<'_>) {
    // SAFETY: the caller guarantees exclusive access (single core, called once).
    let tables = unsafe { &mut *TABLES.0.get() };

    for (index, entry) in tables.level3_first_2mib.0.iter_mut().enumerate() {
        *entry = layout.page_entry(index as u64 * PAGE_SIZE);
    }
    let level3_address = &raw const tables.level3_first_2mib as u64;

    for ((gib, level2), level1_entry) in
        tables.level2.iter_mut().enumerate().zip(tables.level1.0.iter_mut())
    {
        let base = gib as u64 * BLOCK_SIZE_L1;
        if !layout.gigabyte_is_used(base) {
            *level1_entry = 0;
            continue;
        }
        for (index, entry) in level2.0.iter_mut().enumerate() {
            let address = base + index as u64 * BLOCK_SIZE_L2;
            *entry = if address == 0 {
                paging::table_descriptor(level3_address)
            } else {
                layout.block_entry(address)
            };
        }
        *level1_entry = paging::table_descriptor(&raw const *level2 as u64);
    }

    MAIR_EL1.set(paging::MAIR_EL1);
    TTBR0_EL1.set_baddr(&raw const tables.level1 as u64);
    TCR_EL1.write(
        TCR_EL1::T0SZ.val(64 - paging::VA_BITS)
            + TCR_EL1::TG0::KiB_4
            + TCR_EL1::IRGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
            + TCR_EL1::ORGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
            + TCR_EL1::SH0::Inner
            + TCR_EL1::EPD1::DisableTTBR1Walks
            + TCR_EL1::TG1::KiB_4
            + TCR_EL1::IPS::Bits_32,
    );

    // The tables were written with the MMU (and so the data cache) off, so they
    // are in memory; make sure every store is done before the first walk, and
    // that no stale translation, instruction or data line survives. Nothing
    // was written through the data cache yet, so discarding its contents
    // loses nothing, while a stale line (left by a previous kernel, e.g. under
    // a chainloader) would otherwise shadow memory once the cache is on.
    barrier::dsb(barrier::SY);
    invalidate_data_caches_by_set_way();
    // SAFETY: invalidating all EL1 TLB entries and the instruction cache only
    // discards cached state; nothing is translated through them yet.
    unsafe { asm!("tlbi vmalle1", "ic iallu", options(nostack, preserves_flags)) };
    barrier::dsb(barrier::SY);
    barrier::isb(barrier::SY);

    SCTLR_EL1.modify(
        SCTLR_EL1::M::Enable
            + SCTLR_EL1::C::Cacheable
            + SCTLR_EL1::I::Cacheable
            + SCTLR_EL1::SA::Enable
            + SCTLR_EL1::WXN::Enable,
    );
    barrier::isb(barrier::SY);
}

/// Invalidates every data and unified cache level (DC ISW over all sets and
/// ways, as CLIDR_EL1 and CCSIDR_EL1 describe them). Only valid before the
/// data cache is enabled. No atomics, no memory accesses besides the stack.
fn invalidate_data_caches_by_set_way() {
    let clidr: u64;
    // SAFETY: reading the cache level ID register has no side effects.
    unsafe { asm!("mrs {}, CLIDR_EL1", out(reg) clidr, options(nomem, nostack, preserves_flags)) };
    let level_of_coherence = (clidr >> 24) & 0b111;
    for level in 0..level_of_coherence {
        let cache_type = (clidr >> (level * 3)) & 0b111;
        if cache_type < 2 {
            continue; // no data or unified cache at this level
        }
        let ccsidr: u64;
        // SAFETY: selecting a cache level and reading its geometry only
        // changes CSSELR_EL1, which nothing else relies on.
        unsafe {
            asm!(
                "msr CSSELR_EL1, {sel}",
                "isb",
                "mrs {ccsidr}, CCSIDR_EL1",
                sel = in(reg) level << 1,
                ccsidr = out(reg) ccsidr,
                options(nostack, preserves_flags),
            )
        };
        let line_shift = (ccsidr & 0b111) + 4;
        let ways = ((ccsidr >> 3) & 0x3ff) + 1;
        let sets = ((ccsidr >> 13) & 0x7fff) + 1;
        let way_shift = if ways > 1 { (ways as u32 - 1).leading_zeros() } else { 0 };
        for way in 0..ways {
            for set in 0..sets {
                let operand = (way << way_shift) | (set << line_shift) | (level << 1);
                // SAFETY: invalidating by set/way before the data cache is on
                // discards only lines that can hold nothing we wrote.
                unsafe { asm!("dc isw, {}", in(reg) operand, options(nostack, preserves_flags)) };
            }
        }
    }
    barrier::dsb(barrier::SY);
    barrier::isb(barrier::SY);
}

/// Whether the MMU is on (SCTLR_EL1.M).
pub fn is_enabled() -> bool {
    SCTLR_EL1.is_set(SCTLR_EL1::M)
}

/// Whether both the data and the instruction cache are on.
pub fn caches_enabled() -> bool {
    SCTLR_EL1.is_set(SCTLR_EL1::C) && SCTLR_EL1.is_set(SCTLR_EL1::I)
}

/// The result of a hardware address translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The physical address.
    pub physical: u64,
    /// The memory attributes the MMU applied (PAR_EL1.ATTR, a MAIR encoding:
    /// 0xFF normal write-back, 0x04 Device-nGnRE).
    pub attributes: u8,
}

/// How the hardware translates `address` for an EL1 access, or `None` if the
/// access would fault. Uses the AT instruction, so it reports what the MMU
/// really does, not what the tables were meant to say.
pub fn translate(address: u64, access: Access) -> Option<Translation> {
    let state = super::cpu::mask_irqs();
    // SAFETY: AT only performs a translation and writes PAR_EL1; it never
    // accesses the address. IRQs are masked so no handler's AT clobbers PAR_EL1.
    unsafe {
        match access {
            Access::Read => {
                asm!("at s1e1r, {}", in(reg) address, options(nostack, preserves_flags))
            }
            Access::Write => {
                asm!("at s1e1w, {}", in(reg) address, options(nostack, preserves_flags))
            }
        }
    }
    barrier::isb(barrier::SY);
    let par = PAR_EL1.get();
    super::cpu::restore_irqs(state);
    if par & 1 != 0 {
        return None;
    }
    Some(Translation {
        physical: (par & 0x0000_ffff_ffff_f000) | (address & 0xfff),
        attributes: (par >> 56) as u8,
    })
}

/// Whether an instruction fetch at EL1 from `address` is allowed (the page is
/// mapped and not PXN), read from the level-3 or level-2 descriptor.
pub fn is_executable(address: u64) -> bool {
    lookup(address).is_some_and(|m| m.executable)
}

/// The kind of access [`translate`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A data read at EL1.
    Read,
    /// A data write at EL1.
    Write,
}

/// The mapping the kernel's tables give the page at `address` (read back from
/// the level-3 or level-2 entry), or `None` if unmapped.
pub fn lookup(address: u64) -> Option<paging::Mapping> {
    let tables = TABLES.0.get();
    let gib = (address / BLOCK_SIZE_L1) as usize;
    let block = ((address % BLOCK_SIZE_L1) / BLOCK_SIZE_L2) as usize;
    if gib >= LEVEL1_ENTRIES {
        return None;
    }
    // SAFETY: after boot the tables are never written again, so shared reads are
    // fine; indices are bounded by the checks above and the table sizes.
    let descriptor = unsafe {
        if (*tables).level1.0[gib] == 0 {
            return None;
        }
        if gib == 0 && block == 0 {
            (*tables).level3_first_2mib.0[(address / PAGE_SIZE) as usize % ENTRIES_PER_TABLE]
        } else {
            (*tables).level2[gib].0[block]
        }
    };
    paging::decode_mapping(descriptor)
}
