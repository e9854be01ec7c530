//! Decoding of the AArch64 Saved Program Status Register (SPSR_ELx).
//!
//! Crash reports show the interrupted mode (EL1t, EL1h, ...) and which
//! interrupts were masked, decoded from the SPSR captured at exception entry.

use core::fmt;

/// A raw SPSR_ELx value (AArch64 state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spsr(pub u64);

impl Spsr {
    /// The exception level the interrupted code was running at (M bits 3:2).
    pub const fn exception_level(self) -> u8 {
        ((self.0 >> 2) & 0b11) as u8
    }

    /// Whether the interrupted code was using SP_ELx (`true`) or SP_EL0 (`false`).
    pub const fn uses_sp_elx(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether the interrupted code was in AArch32 state (M bit 4).
    pub const fn is_aarch32(self) -> bool {
        self.0 & (1 << 4) != 0
    }

    /// Name of the mode, as the Arm ARM writes it: `EL1t`, `EL1h`, ...
    pub const fn mode_name(self) -> &'static str {
        if self.is_aarch32() {
            return "AArch32";
        }
        match (self.exception_level(), self.uses_sp_elx()) {
            (0, _) => "EL0t",
            (1, false) => "EL1t",
            (1, true) => "EL1h",
            (2, false) => "EL2t",
            (2, true) => "EL2h",
            (3, false) => "EL3t",
            _ => "EL3h",
        }
    }

    /// The DAIF mask bits as a 4-bit value (D=8, A=4, I=2, F=1).
    pub const fn daif(self) -> u8 {
        ((self.0 >> 6) & 0xf) as u8
    }
}

impl fmt::Display for Spsr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let daif = self.daif();
        let flag = |bit: u8, c: char| if daif & bit != 0 { c } else { '-' };
        let nzcv = (self.0 >> 28) & 0xf;
        let cond = |bit: u64, c: char| if nzcv & bit != 0 { c } else { '-' };
        write!(
            f,
            "{} masks {}{}{}{} flags {}{}{}{}",
            self.mode_name(),
            flag(8, 'D'),
            flag(4, 'A'),
            flag(2, 'I'),
            flag(1, 'F'),
            cond(8, 'N'),
            cond(4, 'Z'),
            cond(2, 'C'),
            cond(1, 'V'),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn el1t_with_irqs_masked() {
        let spsr = Spsr(0x6000_03c4);
        assert_eq!(spsr.mode_name(), "EL1t");
        assert_eq!(spsr.exception_level(), 1);
        assert!(!spsr.uses_sp_elx());
        assert_eq!(spsr.daif(), 0xf);
        assert_eq!(spsr.to_string(), "EL1t masks DAIF flags -ZC-");
    }

    #[test]
    fn el1h_unmasked() {
        let spsr = Spsr(0x5);
        assert_eq!(spsr.mode_name(), "EL1h");
        assert_eq!(spsr.to_string(), "EL1h masks ---- flags ----");
    }

    #[test]
    fn other_modes() {
        assert_eq!(Spsr(0x0).mode_name(), "EL0t");
        assert_eq!(Spsr(0x9).mode_name(), "EL2h");
        assert_eq!(Spsr(0xd).mode_name(), "EL3h");
        assert_eq!(Spsr(0x10).mode_name(), "AArch32");
    }
}
