//! Reading kernel ELFs: the board and test spec the kernel recorded in
//! non-loaded sections, the raw image the firmware would load, and symbols
//! for naming backtrace addresses.

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
use std::path::Path;

/// What the runner needs from one kernel ELF.
pub struct KernelElf {
    /// Board from `.kernel_board` ("rpi3" / "rpi4").
    pub board: Option<String>,
    /// Text of `.kernel_test_spec`, if this is a test kernel.
    pub test_spec: Option<String>,
    /// The raw image: loadable segments laid out from the lowest load address.
    pub image: Vec<u8>,
    /// Load address of the image's first byte.
    pub load_address: u64,
    /// Function symbols, sorted by address: (address, size, demangled name).
    pub symbols: Vec<(u64, u64, String)>,
    /// Every named symbol's address, by its name in the ELF (unmangled for
    /// `#[no_mangle]` items).
    pub addresses: std::collections::HashMap<String, u64>,
}

impl KernelElf {
    /// Parses the ELF at `path`.
    pub fn read(path: &Path) -> Result<Self, String> {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = object::File::parse(&*data)
            .map_err(|e| format!("{} is not an ELF: {e}", path.display()))?;
        let section_text = |name: &str| -> Option<String> {
            let section = file.section_by_name(name)?;
            let bytes = section.data().ok()?;
            let text = String::from_utf8_lossy(bytes).trim_end_matches('\0').to_string();
            Some(text)
        };
        let board =
            section_text(".kernel_board").map(|b| b.trim().to_string()).filter(|b| !b.is_empty());
        let test_spec = section_text(".kernel_test_spec").filter(|s| !s.trim().is_empty());
        let (image, load_address) = raw_image(&data)?;
        let mut symbols: Vec<(u64, u64, String)> = file
            .symbols()
            .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0)
            .filter_map(|s| {
                let name = s.name().ok()?;
                Some((s.address(), s.size(), format!("{:#}", rustc_demangle::demangle(name))))
            })
            .collect();
        symbols.sort_by_key(|s| s.0);
        let addresses = file
            .symbols()
            .filter_map(|s| Some((s.name().ok()?.to_string(), s.address())))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        Ok(Self { board, test_spec, image, load_address, symbols, addresses })
    }

    /// Replaces each `{sym:NAME}` in `text` with NAME's address as the crash
    /// report prints it (`0x` and 16 hex digits), and each
    /// `{random-crc32 N SEED}` with the CRC-32 of that test pattern.
    pub fn resolve_symbols(&self, text: &[u8]) -> Result<Vec<u8>, String> {
        let text = resolve_random_crc(text)?;
        let text = text.as_slice();
        const OPEN: &[u8] = b"{sym:";
        let mut out = Vec::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.windows(OPEN.len()).position(|w| w == OPEN) {
            out.extend_from_slice(&rest[..start]);
            let after = &rest[start + OPEN.len()..];
            let end = after.iter().position(|&b| b == b'}').ok_or("unterminated {sym:...}")?;
            let name = String::from_utf8_lossy(&after[..end]).into_owned();
            let address = self
                .addresses
                .get(&name)
                .ok_or_else(|| format!("no symbol {name:?} in the ELF"))?;
            out.extend_from_slice(format!("{address:#018x}").as_bytes());
            rest = &after[end + 1..];
        }
        out.extend_from_slice(rest);
        Ok(out)
    }

    /// `name+0xoff` for a code address, if a function contains it.
    pub fn symbolize(&self, address: u64) -> Option<String> {
        let index = self.symbols.partition_point(|s| s.0 <= address).checked_sub(1)?;
        let (start, size, name) = &self.symbols[index];
        let offset = address - start;
        if *size != 0 && offset >= *size {
            return None;
        }
        Some(format!("{name}+{offset:#x}"))
    }
}

/// Lays the PT_LOAD segments out as the loader would: the file bytes of each
/// at (physical address - first physical address). BSS (memory size beyond the
/// file size) is not included; the boot code zeroes it. Physical, not virtual,
/// addresses: the chainloader is linked high but loaded at 0x80000 (its
/// segments say so with `AT(...)` in its linker script) and moves itself.
fn raw_image(data: &[u8]) -> Result<(Vec<u8>, u64), String> {
    use object::read::elf::{ElfFile64, ProgramHeader};
    let file = ElfFile64::<object::Endianness>::parse(data)
        .map_err(|e| format!("not a 64-bit ELF: {e}"))?;
    let endian = file.endian();
    let mut segments: Vec<(u64, &[u8])> = Vec::new();
    for header in file.elf_program_headers() {
        if header.p_type(endian) != object::elf::PT_LOAD {
            continue;
        }
        let bytes = header.data(endian, data).map_err(|()| "bad segment".to_string())?;
        if bytes.is_empty() {
            continue;
        }
        segments.push((header.p_paddr(endian), bytes));
    }
    segments.sort_by_key(|s| s.0);
    let Some(&(base, _)) = segments.first() else {
        return Err("the ELF has no loadable bytes".into());
    };
    let end = segments.iter().map(|(a, d)| a + d.len() as u64).max().unwrap_or(base);
    let mut image = vec![0u8; (end - base) as usize];
    for (address, bytes) in segments {
        let offset = (address - base) as usize;
        image[offset..offset + bytes.len()].copy_from_slice(bytes);
    }
    Ok((image, base))
}

/// Replaces `{random-crc32 N SEED}` with the pattern's CRC-32 (8 hex digits).
fn resolve_random_crc(text: &[u8]) -> Result<Vec<u8>, String> {
    const OPEN: &[u8] = b"{random-crc32 ";
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.windows(OPEN.len()).position(|w| w == OPEN) {
        out.extend_from_slice(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let end = after.iter().position(|&b| b == b'}').ok_or("unterminated {random-crc32 ...}")?;
        let args = String::from_utf8_lossy(&after[..end]).into_owned();
        let mut words = args.split_whitespace();
        let (Some(len), Some(seed)) = (words.next(), words.next()) else {
            return Err(format!("{{random-crc32 {args}}}: want a length and a seed"));
        };
        let len: usize =
            len.parse().map_err(|_| format!("bad length in {{random-crc32 {args}}}"))?;
        let seed: u64 = seed.parse().map_err(|_| format!("bad seed in {{random-crc32 {args}}}"))?;
        let mut bytes = vec![0u8; len];
        driver_core::pattern::Pattern::new(seed).fill(&mut bytes);
        out.extend_from_slice(format!("{:08x}", driver_core::crc32::crc32(&bytes)).as_bytes());
        rest = &after[end + 1..];
    }
    out.extend_from_slice(rest);
    Ok(out)
}
