//! VMSAv8-64 translation-table descriptors (4 KiB granule) and the plan of the
//! kernel's identity map.
//!
//! The kernel maps virtual addresses 1:1 onto physical ones over a 4 GiB space
//! (TCR_EL1.T0SZ = 32, so the walk starts at level 1). [`MemoryLayout`] says what
//! every address should be — kernel text, read-only data, read-write RAM, device
//! registers, or nothing at all — and the kernel's MMU code turns that answer into
//! level-1 tables, 2 MiB level-2 blocks, and 4 KiB level-3 pages for the first
//! 2 MiB where the kernel image lives. Keeping the decisions here means they are
//! unit-tested on the host, and the MMU-off boot code stays a few loops.

/// Size of a level-3 page.
pub const PAGE_SIZE: u64 = 4096;
/// Size of a level-2 block.
pub const BLOCK_SIZE_L2: u64 = 2 << 20;
/// Size of a level-1 entry's range.
pub const BLOCK_SIZE_L1: u64 = 1 << 30;
/// Number of descriptors in a full table.
pub const ENTRIES_PER_TABLE: usize = 512;
/// Virtual address bits of the identity map (4 GiB); TCR_EL1.T0SZ = 64 - this.
pub const VA_BITS: u64 = 32;
/// Level-1 entries needed to cover [`VA_BITS`].
pub const LEVEL1_ENTRIES: usize = 1 << (VA_BITS - 30);

/// MAIR_EL1 value: the memory types that [`MemoryType`] indexes.
///
/// Attr0 = 0xFF normal memory, inner/outer write-back non-transient, read/write-allocate.
/// Attr1 = 0x04 Device-nGnRE (no gathering, no reordering, early write acknowledgement).
/// Attr2 = 0x44 normal memory, inner/outer non-cacheable.
pub const MAIR_EL1: u64 = 0xff | (0x04 << 8) | (0x44 << 16);

/// Memory types, as indices into [`MAIR_EL1`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MemoryType {
    /// Cacheable RAM.
    Normal = 0,
    /// Peripheral registers: Device-nGnRE.
    Device = 1,
    /// RAM shared with a non-coherent bus master.
    NormalNonCacheable = 2,
}

/// How one page or block is mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Memory type.
    pub memory: MemoryType,
    /// Writable at EL1.
    pub writable: bool,
    /// Executable at EL1.
    pub executable: bool,
}

impl Mapping {
    /// Kernel code: read-only, executable.
    pub const KERNEL_TEXT: Self =
        Self { memory: MemoryType::Normal, writable: false, executable: true };
    /// Constants: read-only, never executable.
    pub const READ_ONLY: Self =
        Self { memory: MemoryType::Normal, writable: false, executable: false };
    /// Data, stacks, heap: read-write, never executable.
    pub const READ_WRITE: Self =
        Self { memory: MemoryType::Normal, writable: true, executable: false };
    /// Peripheral registers: read-write device memory, never executable.
    pub const DEVICE: Self = Self { memory: MemoryType::Device, writable: true, executable: false };
}

const VALID: u64 = 1 << 0;
const TABLE_OR_PAGE: u64 = 1 << 1;
const AP_READ_ONLY: u64 = 1 << 7;
const SH_INNER_SHAREABLE: u64 = 0b11 << 8;
const ACCESS_FLAG: u64 = 1 << 10;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;
const OUTPUT_ADDRESS_MASK: u64 = 0x0000_ffff_ffff_f000;

fn attributes(mapping: Mapping) -> u64 {
    let mut bits = ((mapping.memory as u64) << 2) | ACCESS_FLAG | UXN;
    if mapping.memory != MemoryType::Device {
        // Shareability is ignored for device memory (always outer shareable).
        bits |= SH_INNER_SHAREABLE;
    }
    if !mapping.writable {
        bits |= AP_READ_ONLY;
    }
    if !mapping.executable {
        bits |= PXN;
    }
    bits
}

/// A descriptor pointing at a next-level table.
pub fn table_descriptor(next_table: u64) -> u64 {
    (next_table & OUTPUT_ADDRESS_MASK) | TABLE_OR_PAGE | VALID
}

/// A level-1 or level-2 block descriptor.
pub fn block_descriptor(output_address: u64, mapping: Mapping) -> u64 {
    (output_address & OUTPUT_ADDRESS_MASK) | attributes(mapping) | VALID
}

/// A level-3 page descriptor.
pub fn page_descriptor(output_address: u64, mapping: Mapping) -> u64 {
    (output_address & OUTPUT_ADDRESS_MASK) | attributes(mapping) | TABLE_OR_PAGE | VALID
}

/// Decodes a block or page descriptor back into its mapping (`None` if invalid).
pub fn decode_mapping(descriptor: u64) -> Option<Mapping> {
    if descriptor & VALID == 0 {
        return None;
    }
    let memory = match (descriptor >> 2) & 0b111 {
        0 => MemoryType::Normal,
        1 => MemoryType::Device,
        _ => MemoryType::NormalNonCacheable,
    };
    Some(Mapping {
        memory,
        writable: descriptor & AP_READ_ONLY == 0,
        executable: descriptor & PXN == 0,
    })
}

/// A half-open physical address range `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First address in the range.
    pub start: u64,
    /// First address past the range.
    pub end: u64,
}

impl Range {
    /// The range `[start, end)`.
    pub const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    /// Whether `addr` lies in the range.
    pub const fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }
}

/// Everything the identity map needs to know about physical memory.
#[derive(Clone, Copy, Debug)]
pub struct MemoryLayout<'a> {
    /// RAM usable by the ARM cores is `[0, ram_end)` (from the mailbox).
    pub ram_end: u64,
    /// Peripheral ranges, each 2 MiB aligned, mapped as device memory.
    pub devices: &'a [Range],
    /// The kernel's code, page aligned.
    pub kernel_text: Range,
    /// The kernel's read-only data, page aligned.
    pub kernel_rodata: Range,
    /// Pages that must fault on access (stack guard pages, the null page),
    /// page aligned and inside the first 2 MiB.
    pub unmapped: &'a [Range],
}

impl MemoryLayout<'_> {
    /// How the page containing `addr` is mapped, or `None` if it must fault.
    pub fn mapping_at(&self, addr: u64) -> Option<Mapping> {
        for range in self.unmapped {
            if range.contains(addr) {
                return None;
            }
        }
        if self.kernel_text.contains(addr) {
            return Some(Mapping::KERNEL_TEXT);
        }
        if self.kernel_rodata.contains(addr) {
            return Some(Mapping::READ_ONLY);
        }
        for range in self.devices {
            if range.contains(addr) {
                return Some(Mapping::DEVICE);
            }
        }
        if addr < self.ram_end_block_aligned() {
            return Some(Mapping::READ_WRITE);
        }
        None
    }

    /// RAM end rounded down to a 2 MiB block: the identity map never maps a
    /// partial block, so no access (or speculation) reaches past the RAM the
    /// firmware gave the ARM.
    pub fn ram_end_block_aligned(&self) -> u64 {
        self.ram_end & !(BLOCK_SIZE_L2 - 1)
    }

    /// The level-3 descriptor for the page at `addr` (in the first 2 MiB).
    pub fn page_entry(&self, addr: u64) -> u64 {
        match self.mapping_at(addr) {
            Some(mapping) => page_descriptor(addr, mapping),
            None => 0,
        }
    }

    /// The level-2 block descriptor for the 2 MiB block at `addr`.
    pub fn block_entry(&self, addr: u64) -> u64 {
        match self.mapping_at(addr) {
            Some(mapping) => block_descriptor(addr, mapping),
            None => 0,
        }
    }

    /// Whether anything in the 1 GiB range at `addr` is mapped (so it needs a
    /// level-2 table); the first GiB always does, for the kernel.
    pub fn gigabyte_is_used(&self, addr: u64) -> bool {
        if addr == 0 {
            return true;
        }
        let end = addr + BLOCK_SIZE_L1;
        addr < self.ram_end_block_aligned()
            || self.devices.iter().any(|r| r.start < end && addr < r.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICES_RPI4: [Range; 1] = [Range::new(0xfc00_0000, 0x1_0000_0000)];
    const DEVICES_RPI3: [Range; 2] =
        [Range::new(0x3f00_0000, 0x4000_0000), Range::new(0x4000_0000, 0x4020_0000)];
    const GUARDS: [Range; 2] = [Range::new(0, 0x1000), Range::new(0x9_0000, 0x9_1000)];

    fn layout(ram_end: u64, devices: &[Range]) -> MemoryLayout<'_> {
        MemoryLayout {
            ram_end,
            devices,
            kernel_text: Range::new(0x8_0000, 0x8_6000),
            kernel_rodata: Range::new(0x8_6000, 0x8_8000),
            unmapped: &GUARDS,
        }
    }

    #[test]
    fn kernel_sections_get_their_permissions() {
        let l = layout(0x3c00_0000, &DEVICES_RPI4);
        assert_eq!(l.mapping_at(0x8_0000), Some(Mapping::KERNEL_TEXT));
        assert_eq!(l.mapping_at(0x8_5ffc), Some(Mapping::KERNEL_TEXT));
        assert_eq!(l.mapping_at(0x8_6000), Some(Mapping::READ_ONLY));
        assert_eq!(l.mapping_at(0x8_8000), Some(Mapping::READ_WRITE));
        assert_eq!(l.mapping_at(0x9_0000), None, "guard page");
        assert_eq!(l.mapping_at(0x9_1000), Some(Mapping::READ_WRITE));
        assert_eq!(l.mapping_at(0x10), None, "null page");
    }

    #[test]
    fn devices_and_ram_end() {
        let l = layout(0x3c00_0000, &DEVICES_RPI4);
        assert_eq!(l.mapping_at(0x3bff_f000), Some(Mapping::READ_WRITE));
        assert_eq!(l.mapping_at(0x3c00_0000), None, "past RAM end");
        assert_eq!(l.mapping_at(0xdead_0000), None);
        assert_eq!(l.mapping_at(0xfe20_1000), Some(Mapping::DEVICE), "PL011 on rpi4");
        assert_eq!(l.mapping_at(0xff84_1000), Some(Mapping::DEVICE), "GIC distributor");
        let l3 = layout(0x3c00_0000, &DEVICES_RPI3);
        assert_eq!(l3.mapping_at(0x3f20_1000), Some(Mapping::DEVICE), "PL011 on rpi3");
        assert_eq!(l3.mapping_at(0x4000_0040), Some(Mapping::DEVICE), "local intc");
        assert_eq!(l3.mapping_at(0x4020_0000), None);
    }

    #[test]
    fn partial_ram_block_is_not_mapped() {
        let l = layout(0x3b50_0000, &DEVICES_RPI4);
        assert_eq!(l.ram_end_block_aligned(), 0x3b40_0000);
        assert_eq!(l.mapping_at(0x3b40_0000), None);
        assert_eq!(l.mapping_at(0x3b3f_f000), Some(Mapping::READ_WRITE));
    }

    #[test]
    fn descriptor_bits() {
        let text = page_descriptor(0x8_0000, Mapping::KERNEL_TEXT);
        assert_eq!(text & 0b11, 0b11, "valid page");
        assert_eq!(text & OUTPUT_ADDRESS_MASK, 0x8_0000);
        assert_ne!(text & AP_READ_ONLY, 0);
        assert_eq!(text & PXN, 0, "executable at EL1");
        assert_ne!(text & UXN, 0, "never executable at EL0");
        assert_ne!(text & ACCESS_FLAG, 0);

        let device = block_descriptor(0xfe00_0000, Mapping::DEVICE);
        assert_eq!(device & 0b11, 0b01, "valid block");
        assert_eq!((device >> 2) & 0b111, 1, "Device-nGnRE index");
        assert_ne!(device & PXN, 0);
        assert_eq!(device & AP_READ_ONLY, 0);

        assert_eq!(table_descriptor(0x9_2000), 0x9_2003);
    }

    #[test]
    fn decode_round_trips() {
        for m in [Mapping::KERNEL_TEXT, Mapping::READ_ONLY, Mapping::READ_WRITE, Mapping::DEVICE] {
            assert_eq!(decode_mapping(page_descriptor(0x1000, m)), Some(m));
            assert_eq!(decode_mapping(block_descriptor(0x20_0000, m)), Some(m));
        }
        assert_eq!(decode_mapping(0), None);
    }

    #[test]
    fn no_mapping_is_both_writable_and_executable() {
        let l = layout(0x3c00_0000, &DEVICES_RPI4);
        let mut addr = 0;
        while addr < 0x1_0000_0000 {
            if let Some(m) = l.mapping_at(addr) {
                assert!(!(m.writable && m.executable), "W+X at {addr:#x}");
            }
            addr += if addr < BLOCK_SIZE_L2 { PAGE_SIZE } else { BLOCK_SIZE_L2 };
        }
    }

    #[test]
    fn gigabytes_that_need_tables() {
        let l4 = layout(0x3c00_0000, &DEVICES_RPI4);
        let used: Vec<bool> = (0..4).map(|g| l4.gigabyte_is_used(g * BLOCK_SIZE_L1)).collect();
        assert_eq!(used, [true, false, false, true]);
        let l3 = layout(0x3c00_0000, &DEVICES_RPI3);
        let used: Vec<bool> = (0..4).map(|g| l3.gigabyte_is_used(g * BLOCK_SIZE_L1)).collect();
        assert_eq!(used, [true, true, false, false]);
    }

    #[test]
    fn mair_indices_match() {
        assert_eq!(MAIR_EL1 & 0xff, 0xff);
        assert_eq!((MAIR_EL1 >> (8 * MemoryType::Device as u64)) & 0xff, 0x04);
        assert_eq!((MAIR_EL1 >> (8 * MemoryType::NormalNonCacheable as u64)) & 0xff, 0x44);
    }
}
