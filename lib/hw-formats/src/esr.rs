//! Decoding of the AArch64 Exception Syndrome Register (ESR_ELx).
//!
//! The crash reporter prints the exception class by name and, for aborts, what
//! kind of fault it was (translation, permission, alignment, ...) and at which
//! translation level, so a reader does not need the Arm ARM at hand.

use core::fmt;

/// A raw ESR_ELx value with accessors for its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Esr(pub u64);

impl Esr {
    /// Exception class, ESR bits 31:26.
    pub const fn ec(self) -> u8 {
        ((self.0 >> 26) & 0x3f) as u8
    }

    /// Instruction-specific syndrome, ESR bits 24:0.
    pub const fn iss(self) -> u32 {
        (self.0 & 0x01ff_ffff) as u32
    }

    /// Instruction length bit: `true` for a 32-bit instruction.
    pub const fn il(self) -> bool {
        self.0 & (1 << 25) != 0
    }

    /// The exception class, decoded.
    pub const fn class(self) -> ExceptionClass {
        ExceptionClass::from_ec(self.ec())
    }

    /// For instruction and data aborts: the decoded fault. `None` for other classes.
    pub const fn abort(self) -> Option<Abort> {
        let is_data = match self.class() {
            ExceptionClass::DataAbortLowerEl | ExceptionClass::DataAbortSameEl => true,
            ExceptionClass::InstructionAbortLowerEl | ExceptionClass::InstructionAbortSameEl => {
                false
            }
            _ => return None,
        };
        let iss = self.iss();
        Some(Abort {
            fault: FaultStatus::from_fsc((iss & 0x3f) as u8),
            access: if !is_data {
                Access::Execute
            } else if iss & (1 << 6) != 0 {
                Access::Write
            } else {
                Access::Read
            },
            far_valid: iss & (1 << 10) == 0,
        })
    }
}

/// The exception classes of ESR_ELx.EC that an AArch64 kernel can meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionClass {
    /// EC 0x00: unknown reason; among others, an undefined instruction.
    Unknown,
    /// EC 0x01: trapped WFI or WFE.
    TrappedWfiWfe,
    /// EC 0x07: access to SVE, Advanced SIMD or floating point while trapped.
    FpSimdAccess,
    /// EC 0x0E: illegal execution state (for example a bad SPSR on eret).
    IllegalExecutionState,
    /// EC 0x15: SVC instruction executed in AArch64 state.
    Svc64,
    /// EC 0x16: HVC instruction executed in AArch64 state.
    Hvc64,
    /// EC 0x17: SMC instruction executed in AArch64 state.
    Smc64,
    /// EC 0x18: trapped MSR, MRS or system instruction.
    TrappedSystemRegister,
    /// EC 0x20: instruction abort from a lower exception level.
    InstructionAbortLowerEl,
    /// EC 0x21: instruction abort taken without a change in exception level.
    InstructionAbortSameEl,
    /// EC 0x22: misaligned program counter.
    PcAlignment,
    /// EC 0x24: data abort from a lower exception level.
    DataAbortLowerEl,
    /// EC 0x25: data abort taken without a change in exception level.
    DataAbortSameEl,
    /// EC 0x26: misaligned stack pointer.
    SpAlignment,
    /// EC 0x2C: trapped floating-point exception (AArch64).
    FpException64,
    /// EC 0x2F: SError interrupt.
    SError,
    /// EC 0x30/0x31: hardware breakpoint.
    Breakpoint,
    /// EC 0x32/0x33: software step.
    SoftwareStep,
    /// EC 0x34/0x35: watchpoint.
    Watchpoint,
    /// EC 0x3C: BRK instruction (AArch64).
    Brk,
    /// Any other class, with its raw EC value.
    Other(u8),
}

impl ExceptionClass {
    /// Decodes a raw 6-bit EC value.
    pub const fn from_ec(ec: u8) -> Self {
        match ec {
            0x00 => Self::Unknown,
            0x01 => Self::TrappedWfiWfe,
            0x07 => Self::FpSimdAccess,
            0x0e => Self::IllegalExecutionState,
            0x15 => Self::Svc64,
            0x16 => Self::Hvc64,
            0x17 => Self::Smc64,
            0x18 => Self::TrappedSystemRegister,
            0x20 => Self::InstructionAbortLowerEl,
            0x21 => Self::InstructionAbortSameEl,
            0x22 => Self::PcAlignment,
            0x24 => Self::DataAbortLowerEl,
            0x25 => Self::DataAbortSameEl,
            0x26 => Self::SpAlignment,
            0x2c => Self::FpException64,
            0x2f => Self::SError,
            0x30 | 0x31 => Self::Breakpoint,
            0x32 | 0x33 => Self::SoftwareStep,
            0x34 | 0x35 => Self::Watchpoint,
            0x3c => Self::Brk,
            other => Self::Other(other),
        }
    }

    /// Human-readable name, as printed in crash reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown reason (undefined instruction)",
            Self::TrappedWfiWfe => "Trapped WFI/WFE",
            Self::FpSimdAccess => "FP/SIMD access trapped",
            Self::IllegalExecutionState => "Illegal execution state",
            Self::Svc64 => "SVC call",
            Self::Hvc64 => "HVC call",
            Self::Smc64 => "SMC call",
            Self::TrappedSystemRegister => "Trapped system register access",
            Self::InstructionAbortLowerEl => "Instruction Abort from a lower EL",
            Self::InstructionAbortSameEl => "Instruction Abort from the current EL",
            Self::PcAlignment => "PC alignment fault",
            Self::DataAbortLowerEl => "Data Abort from a lower EL",
            Self::DataAbortSameEl => "Data Abort from the current EL",
            Self::SpAlignment => "SP alignment fault",
            Self::FpException64 => "Floating-point exception",
            Self::SError => "SError interrupt",
            Self::Breakpoint => "Breakpoint",
            Self::SoftwareStep => "Software step",
            Self::Watchpoint => "Watchpoint",
            Self::Brk => "BRK instruction",
            Self::Other(_) => "Unrecognised exception class",
        }
    }
}

impl fmt::Display for ExceptionClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the faulting access was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A data read.
    Read,
    /// A data write.
    Write,
    /// An instruction fetch.
    Execute,
}

impl Access {
    /// Lower-case name of the access ("read", "write", "execute").
    pub const fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Execute => "execute",
        }
    }
}

/// A decoded instruction or data abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abort {
    /// The fault status code, decoded.
    pub fault: FaultStatus,
    /// What kind of access faulted.
    pub access: Access,
    /// Whether FAR_ELx holds the faulting address (ISS.FnV clear).
    pub far_valid: bool,
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.fault, self.access.name())
    }
}

/// The fault status code (DFSC/IFSC, ISS bits 5:0) of an abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultStatus {
    /// Address size fault at the given translation level.
    AddressSize(u8),
    /// Translation fault (no valid descriptor) at the given level.
    Translation(u8),
    /// Access flag fault at the given level.
    AccessFlag(u8),
    /// Permission fault at the given level.
    Permission(u8),
    /// Synchronous external abort, not on a translation table walk.
    SynchronousExternal,
    /// Synchronous external abort on a translation table walk, at the given level.
    SynchronousExternalOnWalk(u8),
    /// Alignment fault.
    Alignment,
    /// TLB conflict abort.
    TlbConflict,
    /// Exclusive or atomic access to memory that does not support it.
    UnsupportedAtomic,
    /// Any other code, raw.
    Other(u8),
}

impl FaultStatus {
    /// Decodes a raw 6-bit fault status code.
    pub const fn from_fsc(fsc: u8) -> Self {
        let level = fsc & 0b11;
        match fsc & 0x3f {
            0b00_0000..=0b00_0011 => Self::AddressSize(level),
            0b00_0100..=0b00_0111 => Self::Translation(level),
            0b00_1001..=0b00_1011 => Self::AccessFlag(level),
            0b00_1101..=0b00_1111 => Self::Permission(level),
            0b01_0000 => Self::SynchronousExternal,
            0b01_0101..=0b01_0111 => Self::SynchronousExternalOnWalk(level),
            0b10_0001 => Self::Alignment,
            0b11_0000 => Self::TlbConflict,
            0b11_0101 => Self::UnsupportedAtomic,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for FaultStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::AddressSize(l) => write!(f, "address size fault, level {l}"),
            Self::Translation(l) => write!(f, "translation fault, level {l}"),
            Self::AccessFlag(l) => write!(f, "access flag fault, level {l}"),
            Self::Permission(l) => write!(f, "permission fault, level {l}"),
            Self::SynchronousExternal => f.write_str("synchronous external abort"),
            Self::SynchronousExternalOnWalk(l) => {
                write!(f, "synchronous external abort on table walk, level {l}")
            }
            Self::Alignment => f.write_str("alignment fault"),
            Self::TlbConflict => f.write_str("TLB conflict abort"),
            Self::UnsupportedAtomic => f.write_str("unsupported exclusive or atomic access"),
            Self::Other(code) => write!(f, "fault status code {code:#04x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_instruction_is_unknown_class() {
        // `udf #0` at EL1 gives ESR 0x02000000 (EC 0, IL 1).
        let esr = Esr(0x0200_0000);
        assert_eq!(esr.class(), ExceptionClass::Unknown);
        assert!(esr.il());
        assert!(esr.abort().is_none());
        assert!(esr.class().name().contains("undefined instruction"));
    }

    #[test]
    fn data_abort_translation_fault_on_read() {
        // EC 0x25, IL, DFSC 0b000111 (translation fault level 3), WnR 0.
        let esr = Esr(0x9600_0007);
        assert_eq!(esr.class(), ExceptionClass::DataAbortSameEl);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.fault, FaultStatus::Translation(3));
        assert_eq!(abort.access, Access::Read);
        assert!(abort.far_valid);
        extern crate std;
        use std::string::ToString;
        assert_eq!(abort.to_string(), "translation fault, level 3 on read");
    }

    #[test]
    fn data_abort_permission_fault_on_write() {
        // DFSC 0b001111 (permission, level 3), WnR set.
        let esr = Esr(0x9600_004f);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.fault, FaultStatus::Permission(3));
        assert_eq!(abort.access, Access::Write);
    }

    #[test]
    fn far_not_valid_flag() {
        let esr = Esr(0x9600_0410);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.fault, FaultStatus::SynchronousExternal);
        assert!(!abort.far_valid);
    }

    #[test]
    fn instruction_abort_is_an_execute_access() {
        // EC 0x21, IFSC permission fault level 3.
        let esr = Esr((0x21 << 26) | (1 << 25) | 0b00_1111);
        let abort = esr.abort().unwrap();
        assert_eq!(abort.access, Access::Execute);
        assert_eq!(abort.fault, FaultStatus::Permission(3));
        assert_eq!(esr.class().name(), "Instruction Abort from the current EL");
    }

    #[test]
    fn every_ec_value_decodes_to_a_name() {
        for ec in 0..64u8 {
            let class = ExceptionClass::from_ec(ec);
            assert!(!class.name().is_empty());
        }
        assert_eq!(ExceptionClass::from_ec(0x3c), ExceptionClass::Brk);
        assert_eq!(ExceptionClass::from_ec(0x2f), ExceptionClass::SError);
        assert_eq!(ExceptionClass::from_ec(0x3f), ExceptionClass::Other(0x3f));
    }

    #[test]
    fn fault_status_codes() {
        assert_eq!(FaultStatus::from_fsc(0b00_0101), FaultStatus::Translation(1));
        assert_eq!(FaultStatus::from_fsc(0b00_1010), FaultStatus::AccessFlag(2));
        assert_eq!(FaultStatus::from_fsc(0b10_0001), FaultStatus::Alignment);
        assert_eq!(FaultStatus::from_fsc(0b11_0101), FaultStatus::UnsupportedAtomic);
        assert_eq!(FaultStatus::from_fsc(0b11_1111), FaultStatus::Other(0x3f));
    }
}
