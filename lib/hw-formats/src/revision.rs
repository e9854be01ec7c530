//! Raspberry Pi board revision codes, as the firmware reports them
//! (mailbox tag 0x00010002).
//!
//! New-style codes (bit 23 set) pack the fields `NOQuuuWuFMMMCCCCPPPPTTTTTTTTRRRR`:
//! memory size in bits 22:20, manufacturer 19:16, processor 15:12, board type
//! 11:4 and board revision 3:0.

use core::fmt;

/// A raw board revision code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardRevision(pub u32);

impl BoardRevision {
    /// Whether this is a new-style (bit-field) code; old-style codes are Pi 1 era.
    pub const fn is_new_style(self) -> bool {
        self.0 & (1 << 23) != 0
    }

    /// The board model, for new-style codes.
    pub const fn model(self) -> Option<Model> {
        if !self.is_new_style() {
            return None;
        }
        Some(Model::from_type((self.0 >> 4) as u8))
    }

    /// The SoC, for new-style codes.
    pub const fn soc(self) -> Option<Soc> {
        if !self.is_new_style() {
            return None;
        }
        Some(match (self.0 >> 12) & 0xf {
            0 => Soc::Bcm2835,
            1 => Soc::Bcm2836,
            2 => Soc::Bcm2837,
            3 => Soc::Bcm2711,
            4 => Soc::Bcm2712,
            other => Soc::Other(other as u8),
        })
    }

    /// Total board memory in MiB (all of it, not only the ARM's share).
    pub const fn memory_mib(self) -> Option<u32> {
        if !self.is_new_style() {
            return None;
        }
        let code = (self.0 >> 20) & 0b111;
        if code > 5 {
            return None;
        }
        Some(256 << code)
    }

    /// The board's revision number (bits 3:0), printed as `1.N`.
    pub const fn board_revision(self) -> u8 {
        (self.0 & 0xf) as u8
    }
}

/// Board models that can appear in a new-style revision code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Raspberry Pi 2 Model B.
    Pi2B,
    /// Raspberry Pi 3 Model B.
    Pi3B,
    /// Raspberry Pi 3 Model B+.
    Pi3BPlus,
    /// Raspberry Pi 3 Model A+.
    Pi3APlus,
    /// Compute Module 3.
    Cm3,
    /// Compute Module 3+.
    Cm3Plus,
    /// Raspberry Pi Zero 2 W.
    Zero2W,
    /// Raspberry Pi 4 Model B.
    Pi4B,
    /// Raspberry Pi 400.
    Pi400,
    /// Compute Module 4.
    Cm4,
    /// Compute Module 4S.
    Cm4S,
    /// Raspberry Pi 5.
    Pi5,
    /// Any other type code.
    Other(u8),
}

impl Model {
    /// Decodes the 8-bit board type field.
    pub const fn from_type(code: u8) -> Self {
        match code {
            0x04 => Self::Pi2B,
            0x08 => Self::Pi3B,
            0x0d => Self::Pi3BPlus,
            0x0e => Self::Pi3APlus,
            0x0a => Self::Cm3,
            0x10 => Self::Cm3Plus,
            0x12 => Self::Zero2W,
            0x11 => Self::Pi4B,
            0x13 => Self::Pi400,
            0x14 => Self::Cm4,
            0x15 => Self::Cm4S,
            0x17 => Self::Pi5,
            other => Self::Other(other),
        }
    }

    /// The board's marketing name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Pi2B => "Raspberry Pi 2 Model B",
            Self::Pi3B => "Raspberry Pi 3 Model B",
            Self::Pi3BPlus => "Raspberry Pi 3 Model B+",
            Self::Pi3APlus => "Raspberry Pi 3 Model A+",
            Self::Cm3 => "Raspberry Pi Compute Module 3",
            Self::Cm3Plus => "Raspberry Pi Compute Module 3+",
            Self::Zero2W => "Raspberry Pi Zero 2 W",
            Self::Pi4B => "Raspberry Pi 4 Model B",
            Self::Pi400 => "Raspberry Pi 400",
            Self::Cm4 => "Raspberry Pi Compute Module 4",
            Self::Cm4S => "Raspberry Pi Compute Module 4S",
            Self::Pi5 => "Raspberry Pi 5",
            Self::Other(_) => "unknown Raspberry Pi model",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The SoC field of a revision code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Soc {
    /// Pi 1, Zero.
    Bcm2835,
    /// Pi 2 (early).
    Bcm2836,
    /// Pi 3, Pi 2 (late), Zero 2.
    Bcm2837,
    /// Pi 4, Pi 400, CM4.
    Bcm2711,
    /// Pi 5.
    Bcm2712,
    /// Any other processor code.
    Other(u8),
}

impl Soc {
    /// The chip's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bcm2835 => "BCM2835",
            Self::Bcm2836 => "BCM2836",
            Self::Bcm2837 => "BCM2837",
            Self::Bcm2711 => "BCM2711",
            Self::Bcm2712 => "BCM2712",
            Self::Other(_) => "unknown SoC",
        }
    }
}

impl fmt::Display for Soc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_raspi3b() {
        let rev = BoardRevision(0xa02082);
        assert_eq!(rev.model(), Some(Model::Pi3B));
        assert_eq!(rev.model().unwrap().name(), "Raspberry Pi 3 Model B");
        assert_eq!(rev.soc(), Some(Soc::Bcm2837));
        assert_eq!(rev.memory_mib(), Some(1024));
    }

    #[test]
    fn qemu_raspi4b() {
        let rev = BoardRevision(0xb03115);
        assert_eq!(rev.model().unwrap().name(), "Raspberry Pi 4 Model B");
        assert_eq!(rev.soc(), Some(Soc::Bcm2711));
        assert_eq!(rev.memory_mib(), Some(2048));
        assert_eq!(rev.board_revision(), 5);
    }

    #[test]
    fn real_boards() {
        assert_eq!(BoardRevision(0xa020d3).model(), Some(Model::Pi3BPlus));
        assert_eq!(BoardRevision(0xd03114).memory_mib(), Some(8192));
        assert_eq!(BoardRevision(0xc03112).model(), Some(Model::Pi4B));
        assert_eq!(BoardRevision(0xc03130).model(), Some(Model::Pi400));
    }

    #[test]
    fn old_style_and_unknown() {
        let old = BoardRevision(0x000e);
        assert!(!old.is_new_style());
        assert_eq!(old.model(), None);
        assert_eq!(old.soc(), None);
        assert_eq!(Model::from_type(0xee), Model::Other(0xee));
        assert_eq!(BoardRevision(0x00f0_0000 | 1 << 23).memory_mib(), None);
    }
}
