//! Checks on QEMU's instruction trace (`-d in_asm`): which instructions the
//! kernel executed, in the order QEMU first translated them.
//!
//! The property checked here is the kernel's most important boot invariant:
//! no exclusive load/store or LSE atomic may execute before the MMU is on,
//! because on a real Pi they hang or fault with the MMU off (QEMU accepts
//! them, so no ordinary test can notice). The MMU is turned on by the
//! `msr sctlr_el1` inside `enable_identity_map`; the first atomic instruction
//! in the trace must come after that write.
//!
//! The same trace checks one ordering the other way round: the console is
//! routed to the header pins *before* the MMU goes on, so that a crash report
//! from the MMU-off phase reaches a user's serial adapter on a real board
//! (QEMU shows the PL011's output whatever its pins are set to).

use crate::elf::KernelElf;
use std::path::Path;

/// Mnemonic prefixes of exclusive loads/stores and LSE atomics.
const ATOMIC_PREFIXES: &[&str] = &[
    "ldxr", "ldaxr", "stxr", "stlxr", "ldxp", "ldaxp", "stxp", "stlxp", "cas", "ldadd", "ldclr",
    "ldeor", "ldset", "ldsmax", "ldsmin", "ldumax", "ldumin", "swp",
];

/// The MMU-enabling function, by (demangled) name.
const MMU_ENABLE_FUNCTION: &str = "enable_identity_map";

/// Functions (by demangled name) that must have run before the MMU goes on.
const BEFORE_MMU_FUNCTIONS: &[&str] = &["console::init"];

/// Parses one trace line `0xADDR:  ENCODING  mnemonic operands`.
fn parse(line: &str) -> Option<(u64, &str, &str)> {
    let mut words = line.split_whitespace();
    let address = words.next()?.strip_prefix("0x")?.strip_suffix(':')?;
    let address = u64::from_str_radix(address, 16).ok()?;
    let _encoding = words.next()?;
    let mnemonic = words.next()?;
    let operands = words.next().unwrap_or("");
    Some((address, mnemonic, operands))
}

fn is_atomic(mnemonic: &str) -> bool {
    ATOMIC_PREFIXES.iter().any(|p| mnemonic.starts_with(p))
}

/// The address range of the function whose demangled name ends with `name`.
fn function_range(kernel: &KernelElf, name: &str) -> Result<(u64, u64), String> {
    kernel
        .symbols
        .iter()
        .find(|(_, size, symbol)| *size > 0 && symbol.ends_with(name))
        .map(|(start, size, _)| (*start, start + size))
        .ok_or_else(|| format!("no function named {name} in the ELF"))
}

/// Whether a trace line is the MMU being turned on.
fn turns_mmu_on(address: u64, mnemonic: &str, operands: &str, enable: (u64, u64)) -> bool {
    mnemonic == "msr"
        && operands.starts_with("sctlr_el1")
        && (enable.0..enable.1).contains(&address)
}

/// Returns a one-line summary, or what is wrong.
pub fn check_atomics_after_mmu(trace: &Path, kernel: &KernelElf) -> Result<String, String> {
    let text = std::fs::read_to_string(trace)
        .map_err(|e| format!("cannot read the instruction trace {}: {e}", trace.display()))?;
    let (enable_start, enable_end) = function_range(kernel, MMU_ENABLE_FUNCTION)?;
    let mut early: Vec<(&str, u64, u64, bool)> = BEFORE_MMU_FUNCTIONS
        .iter()
        .map(|&wanted| {
            function_range(kernel, wanted).map(|(start, end)| (wanted, start, end, false))
        })
        .collect::<Result<_, _>>()?;
    let mut mmu_on_at: Option<usize> = None;
    let mut instructions = 0usize;
    for line in text.lines() {
        let Some((address, mnemonic, operands)) = parse(line) else { continue };
        instructions += 1;
        if mmu_on_at.is_none() {
            for (_, start, end, seen) in &mut early {
                *seen |= (*start..*end).contains(&address);
            }
        }
        if turns_mmu_on(address, mnemonic, operands, (enable_start, enable_end))
            && mmu_on_at.is_none()
        {
            mmu_on_at = Some(instructions);
            if let Some((name, ..)) = early.iter().find(|(.., seen)| !seen) {
                return Err(format!(
                    "{name} had not run when the MMU went on (traced instruction {instructions}): \
                     on a real Pi a crash before it prints to the Bluetooth pins"
                ));
            }
        }
        if is_atomic(mnemonic) {
            let symbol = kernel.symbolize(address).unwrap_or_else(|| "?".into());
            return match mmu_on_at {
                Some(at) => Ok(format!(
                    "MMU on at traced instruction {at}, after {}; first atomic ({mnemonic} at {address:#x} in {symbol}) at {instructions}",
                    BEFORE_MMU_FUNCTIONS.join(", ")
                )),
                None => Err(format!(
                    "{mnemonic} at {address:#x} ({symbol}) executed before the MMU was on: it would hang a real Pi"
                )),
            };
        }
    }
    match mmu_on_at {
        Some(_) => Err("no atomic instruction executed at all (the check proves nothing)".into()),
        None => Err(format!("the trace never shows {MMU_ENABLE_FUNCTION}'s SCTLR_EL1 write")),
    }
}

/// For a run that never turns the MMU on (a crash in the MMU-off phase):
/// no exclusive load/store or atomic anywhere in it, crash report included.
pub fn check_no_atomics(trace: &Path, kernel: &KernelElf) -> Result<String, String> {
    let text = std::fs::read_to_string(trace)
        .map_err(|e| format!("cannot read the instruction trace {}: {e}", trace.display()))?;
    // Absent when the compiler saw that start-up never gets that far (a
    // test kernel that always panics first): then the MMU cannot go on.
    let enable = function_range(kernel, MMU_ENABLE_FUNCTION).ok();
    let mut instructions = 0usize;
    for line in text.lines() {
        let Some((address, mnemonic, operands)) = parse(line) else { continue };
        instructions += 1;
        if enable.is_some_and(|range| turns_mmu_on(address, mnemonic, operands, range)) {
            return Err(format!(
                "the MMU went on (traced instruction {instructions}): this run is for `check atomics-after-mmu`"
            ));
        }
        if is_atomic(mnemonic) {
            let symbol = kernel.symbolize(address).unwrap_or_else(|| "?".into());
            return Err(format!(
                "{mnemonic} at {address:#x} ({symbol}) executed with the MMU off: it would hang a real Pi"
            ));
        }
    }
    if instructions == 0 {
        return Err("the instruction trace is empty (the check proves nothing)".into());
    }
    Ok(format!("{instructions} traced instructions, none of them exclusive or atomic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qemu_lines() {
        assert_eq!(
            parse("0x00086454:  085ffd0a  ldaxrb   w10, [x8]"),
            Some((0x86454, "ldaxrb", "w10,"))
        );
        assert_eq!(
            parse("0x000849e8:  d5181008  msr      sctlr_el1, x8"),
            Some((0x849e8, "msr", "sctlr_el1,"))
        );
        assert_eq!(parse("IN: "), None);
        assert_eq!(parse("----------------"), None);
    }

    #[test]
    fn recognises_atomics() {
        for m in ["ldxr", "ldaxrb", "stlxr", "casal", "ldaddal", "swpl", "ldsetb"] {
            assert!(is_atomic(m), "{m}");
        }
        for m in ["ldr", "ldarb", "stlr", "ldp", "str", "msr"] {
            assert!(!is_atomic(m), "{m}");
        }
    }
}
