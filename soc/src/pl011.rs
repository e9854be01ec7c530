//! Arm PL011 UART: the register-level driver behind the console.
//!
//! This driver polls; the kernel builds its interrupt-driven async reader and
//! writer on top of it (`kernel::drivers::uart`), the chainloader uses it as is. QEMU pitfalls handled here: toggling LCRH.FEN
//! flushes the receive FIFO, so FEN is written once, before the receiver is
//! enabled; QEMU ignores the baud registers, a real PL011 does not, so they are
//! always programmed from the UART clock.

use crate::Mmio;
use hw_formats::pl011::BaudDivisor;
use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};
use tock_registers::{register_bitfields, register_structs};

register_bitfields! {
    u32,
    /// Flag register.
    FR [
        /// Transmit FIFO empty.
        TXFE OFFSET(7) NUMBITS(1) [],
        /// Transmit FIFO full.
        TXFF OFFSET(5) NUMBITS(1) [],
        /// Receive FIFO empty.
        RXFE OFFSET(4) NUMBITS(1) [],
        /// UART busy transmitting.
        BUSY OFFSET(3) NUMBITS(1) []
    ],
    /// Line control register.
    LCRH [
        /// Word length.
        WLEN OFFSET(5) NUMBITS(2) [
            FiveBit = 0b00,
            SixBit = 0b01,
            SevenBit = 0b10,
            EightBit = 0b11
        ],
        /// FIFOs enabled.
        FEN OFFSET(4) NUMBITS(1) []
    ],
    /// Control register.
    CR [
        /// Receive enable.
        RXE OFFSET(9) NUMBITS(1) [],
        /// Transmit enable.
        TXE OFFSET(8) NUMBITS(1) [],
        /// UART enable.
        UARTEN OFFSET(0) NUMBITS(1) []
    ],
    /// FIFO interrupt trigger levels.
    IFLS [
        /// Receive interrupt when the RX FIFO is at least this full.
        RXIFLSEL OFFSET(3) NUMBITS(3) [
            OneEighth = 0b000,
            OneQuarter = 0b001,
            Half = 0b010,
            ThreeQuarters = 0b011,
            SevenEighths = 0b100
        ],
        /// Transmit interrupt when the TX FIFO is at most this full.
        TXIFLSEL OFFSET(0) NUMBITS(3) [
            OneEighth = 0b000,
            OneQuarter = 0b001,
            Half = 0b010,
            ThreeQuarters = 0b011,
            SevenEighths = 0b100
        ]
    ],
    /// Interrupt bits, common to IMSC, RIS, MIS and ICR.
    INT [
        /// Overrun error.
        OE OFFSET(10) NUMBITS(1) [],
        /// Break error.
        BE OFFSET(9) NUMBITS(1) [],
        /// Parity error.
        PE OFFSET(8) NUMBITS(1) [],
        /// Framing error.
        FE OFFSET(7) NUMBITS(1) [],
        /// Receive timeout.
        RT OFFSET(6) NUMBITS(1) [],
        /// Transmit FIFO at or below its level.
        TX OFFSET(5) NUMBITS(1) [],
        /// Receive FIFO at or above its level.
        RX OFFSET(4) NUMBITS(1) []
    ]
}

register_structs! {
    #[allow(non_snake_case)]
    Registers {
        (0x00 => dr: ReadWrite<u32>),
        (0x04 => rsr_ecr: ReadWrite<u32>),
        (0x08 => _reserved0),
        (0x18 => fr: ReadOnly<u32, FR::Register>),
        (0x1c => _reserved1),
        (0x24 => ibrd: WriteOnly<u32>),
        (0x28 => fbrd: WriteOnly<u32>),
        (0x2c => lcrh: WriteOnly<u32, LCRH::Register>),
        (0x30 => cr: WriteOnly<u32, CR::Register>),
        (0x34 => ifls: ReadWrite<u32, IFLS::Register>),
        (0x38 => imsc: ReadWrite<u32, INT::Register>),
        (0x3c => ris: ReadOnly<u32, INT::Register>),
        (0x40 => mis: ReadOnly<u32, INT::Register>),
        (0x44 => icr: WriteOnly<u32, INT::Register>),
        (0x48 => @END),
    }
}

/// Longest [`Pl011::flush`] waits: a full 16-byte FIFO takes 1.4 ms at 115200 baud.
pub const FLUSH_TIMEOUT_NANOS: u64 = 50_000_000;

/// Longest [`Pl011::write_byte`] waits for room in a full transmit FIFO
/// before dropping the byte: one character takes 87 us at 115200 baud and
/// 1.04 ms at 9600, the slowest rate a loader might leave behind. Only a
/// UART that is not sending at all (disabled, or its clock stopped) waits
/// this long, and then output is slow rather than the kernel stuck.
pub const WRITE_TIMEOUT_NANOS: u64 = 2_000_000;

/// Error bits of a received data word (UARTDR bits 8-11).
pub mod data_error {
    /// Framing error: no valid stop bit.
    pub const FRAMING: u32 = 1 << 8;
    /// Parity error.
    pub const PARITY: u32 = 1 << 9;
    /// Break: the line was held low for longer than a character.
    pub const BREAK: u32 = 1 << 10;
    /// Overrun: a character arrived while the FIFO was full and was lost.
    pub const OVERRUN: u32 = 1 << 11;
}

/// Interrupt bits (IMSC, MIS, ICR), for drivers built on this one.
pub mod interrupt {
    /// Receive FIFO at or above its trigger level.
    pub const RX: u32 = 1 << 4;
    /// Transmit FIFO at or below its trigger level.
    pub const TX: u32 = 1 << 5;
    /// Receive timeout: data waiting, none arriving.
    pub const RX_TIMEOUT: u32 = 1 << 6;
    /// Framing, parity, break and overrun error interrupts.
    pub const ERRORS: u32 = 0b1111 << 7;
}

/// The requested baud rate cannot be made from the UART clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaudRateError;

/// One PL011 UART.
pub struct Pl011 {
    registers: Mmio<Registers>,
}

impl Pl011 {
    /// A handle on the PL011 at `base`.
    ///
    /// # Safety
    /// `base` must be a PL011's register block, mapped as device memory.
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: forwarded from the caller.
        Self { registers: unsafe { Mmio::new(base) } }
    }

    /// Configures 8N1 at `baud` from a `clock_hz` reference clock, FIFOs on,
    /// all interrupts masked, and enables the transmitter and receiver.
    pub fn init(&mut self, clock_hz: u32, baud: u32) -> Result<(), BaudRateError> {
        let divisor = BaudDivisor::new(clock_hz, baud).ok_or(BaudRateError)?;
        // Let the firmware's (or an earlier kernel's) output drain, then stop.
        self.flush();
        self.registers.cr.set(0);
        self.registers.icr.set(0x7ff);
        self.registers.ibrd.set(divisor.integer as u32);
        self.registers.fbrd.set(divisor.fraction as u32);
        // Writing LCRH latches the divisors; FEN is written once, here, before
        // the receiver is on (toggling it later would flush received bytes).
        self.registers.lcrh.write(LCRH::WLEN::EightBit + LCRH::FEN::SET);
        self.registers.imsc.set(0);
        self.registers.cr.write(CR::UARTEN::SET + CR::TXE::SET + CR::RXE::SET);
        Ok(())
    }

    /// Discards everything in the receive FIFO and clears the receive error
    /// flags (framing, parity, break, overrun). Returns how many bytes it dropped.
    pub fn discard_input(&mut self) -> usize {
        let mut dropped = 0;
        while !self.registers.fr.is_set(FR::RXFE) && dropped < 4096 {
            let _ = self.registers.dr.get();
            dropped += 1;
        }
        self.registers.rsr_ecr.set(0);
        dropped
    }

    /// Queues one byte if the transmit FIFO has room; `false` if it is full.
    pub fn try_write_byte(&mut self, byte: u8) -> bool {
        if self.registers.fr.is_set(FR::TXFF) {
            return false;
        }
        self.registers.dr.set(byte as u32);
        true
    }

    /// Whether the transmit FIFO is full.
    pub fn output_full(&self) -> bool {
        self.registers.fr.is_set(FR::TXFF)
    }

    /// Sends one byte, waiting while the transmit FIFO is full, but for at
    /// most [`WRITE_TIMEOUT_NANOS`]: then the byte is dropped. (A crash report
    /// written to a UART the firmware left disabled must not hang the core
    /// before it can stop cleanly.)
    pub fn write_byte(&mut self, byte: u8) {
        if self.registers.fr.is_set(FR::TXFF) {
            let start = crate::cpu::counter();
            while self.registers.fr.is_set(FR::TXFF) {
                if crate::cpu::nanos_elapsed_since(start, WRITE_TIMEOUT_NANOS) {
                    return;
                }
                core::hint::spin_loop();
            }
        }
        self.registers.dr.set(byte as u32);
    }

    /// Sends `bytes`, turning each `\n` into `\r\n` for terminals.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                self.write_byte(b'\r');
            }
            self.write_byte(byte);
        }
    }

    /// Waits until the transmit FIFO is empty and the last bit has left, for
    /// at most [`FLUSH_TIMEOUT_NANOS`]: a UART the firmware left disabled with
    /// bytes in its FIFO never drains, and boot must not hang on it.
    pub fn flush(&self) {
        let start = crate::cpu::counter();
        while self.registers.fr.is_set(FR::BUSY) || !self.registers.fr.is_set(FR::TXFE) {
            if crate::cpu::nanos_elapsed_since(start, FLUSH_TIMEOUT_NANOS) {
                break;
            }
            core::hint::spin_loop();
        }
    }

    /// A received byte, if the receive FIFO holds one. Words received with
    /// a framing error or as a break are skipped: they are no byte anyone
    /// sent (a character cut off when the pins switched over, a line left
    /// floating), and would otherwise read as 0x00.
    pub fn read_byte(&mut self) -> Option<u8> {
        loop {
            let word = self.read_word()?;
            if word & (data_error::FRAMING | data_error::BREAK) == 0 {
                return Some((word & 0xff) as u8);
            }
        }
    }

    /// The next received data word — the byte in bits 0-7 and its error flags
    /// in bits 8-11 (see [`data_error`]) — if the receive FIFO holds one.
    pub fn read_word(&mut self) -> Option<u32> {
        if self.registers.fr.is_set(FR::RXFE) {
            return None;
        }
        Some(self.registers.dr.get() & 0xfff)
    }

    /// Interrupts that are both raised and unmasked (UARTMIS; see [`interrupt`]).
    pub fn masked_interrupts(&self) -> u32 {
        self.registers.mis.get()
    }

    /// Clears the given interrupts (UARTICR; see [`interrupt`]).
    pub fn clear_interrupts(&mut self, bits: u32) {
        self.registers.icr.set(bits);
    }

    /// Unmasks (or masks) the given interrupts, leaving the others as they are.
    pub fn set_interrupts(&mut self, bits: u32, enabled: bool) {
        let current = self.registers.imsc.get();
        self.registers.imsc.set(if enabled { current | bits } else { current & !bits });
    }

    /// Receive interrupt at half full, transmit interrupt at one eighth full:
    /// few interrupts while receiving, and an early refill while sending.
    pub fn set_fifo_trigger_levels(&mut self) {
        self.registers.ifls.write(IFLS::RXIFLSEL::Half + IFLS::TXIFLSEL::OneEighth);
    }

    /// Whether everything written has been sent (FIFO empty, line idle).
    pub fn transmit_idle(&self) -> bool {
        self.registers.fr.is_set(FR::TXFE) && !self.registers.fr.is_set(FR::BUSY)
    }

    /// Whether the receive FIFO holds at least one byte.
    pub fn input_pending(&self) -> bool {
        !self.registers.fr.is_set(FR::RXFE)
    }

    /// Unmasks (or masks) the receive and receive-timeout interrupts. Clears
    /// pending ones first, as the PL011 wants before the FIFO is drained.
    pub fn set_rx_interrupts(&mut self, enabled: bool) {
        self.registers.icr.write(INT::RX::SET + INT::RT::SET);
        if enabled {
            self.registers.imsc.modify(INT::RX::SET + INT::RT::SET);
        } else {
            self.registers.imsc.modify(INT::RX::CLEAR + INT::RT::CLEAR);
        }
    }

    /// The register block's address.
    pub fn base(&self) -> usize {
        self.registers.base()
    }
}

impl core::fmt::Write for Pl011 {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_bytes(s.as_bytes());
        Ok(())
    }
}
