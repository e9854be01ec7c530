//! The VideoCore mailbox (property channel): how the ARM asks the firmware for
//! the board revision, its share of RAM, clock rates, temperatures, ...
//!
//! Messages are built and checked by `hw_formats::mailbox`; this driver moves
//! them. The VideoCore is not coherent with the ARM's data cache, so the buffer
//! is cleaned to memory before sending and invalidated before reading the
//! answer, and its address is given as a bus address in the uncached alias
//! (0xC000_0000 + ARM physical address) that the firmware reads from.
//!
//! This driver uses no locks and no atomics: boot calls it with the MMU off.
//! Callers serialise (one message in flight at a time).

use super::Mmio;
use crate::arch::cpu;
use hw_formats::mailbox::{self as message, PropertyBuffer, PropertyError};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

register_structs! {
    Registers {
        (0x00 => read: ReadOnly<u32>),
        (0x04 => _reserved0),
        (0x18 => status: ReadOnly<u32>),
        (0x1c => _reserved1),
        (0x20 => write: WriteOnly<u32>),
        (0x24 => @END),
    }
}

const STATUS_FULL: u32 = 1 << 31;
const STATUS_EMPTY: u32 = 1 << 30;
/// The VideoCore's uncached alias of ARM physical memory.
const BUS_ALIAS_UNCACHED: u32 = 0xc000_0000;
/// How long the firmware gets to answer.
const TIMEOUT_NANOS: u64 = 100_000_000;

/// Why a mailbox call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailboxError {
    /// The firmware did not take or answer the message in time.
    Timeout,
    /// The buffer is not addressable by the VideoCore (above 1 GiB).
    BufferNotAddressable,
    /// The firmware answered, but not as requested.
    Property(PropertyError),
}

/// The ARM-to-VideoCore mailbox.
pub struct Mailbox {
    registers: Mmio<Registers>,
}

impl Mailbox {
    /// A handle on the mailbox at `base` (peripheral base + 0xB880).
    ///
    /// # Safety
    /// `base` must be the mailbox's register block, and no other handle may be
    /// used at the same time.
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: forwarded from the caller.
        Self { registers: unsafe { Mmio::new(base) } }
    }

    /// Sends the property message in `buffer` (after [`PropertyBuffer::finish`])
    /// and waits for the firmware's answer, which it writes into `buffer`.
    pub fn call(&self, buffer: &mut PropertyBuffer) -> Result<(), MailboxError> {
        let address = buffer as *mut PropertyBuffer as usize;
        let Ok(physical) = u32::try_from(address) else {
            return Err(MailboxError::BufferNotAddressable);
        };
        if physical >= 0x4000_0000 {
            return Err(MailboxError::BufferNotAddressable);
        }
        let request = message::request_word(BUS_ALIAS_UNCACHED | physical);
        let size = core::mem::size_of::<PropertyBuffer>();

        cpu::clean_invalidate_dcache(address, size);
        let deadline = Deadline::after_nanos(TIMEOUT_NANOS);
        while self.registers.status.get() & STATUS_FULL != 0 {
            deadline.check()?;
        }
        self.registers.write.set(request);
        loop {
            while self.registers.status.get() & STATUS_EMPTY != 0 {
                deadline.check()?;
            }
            // Answers to other channels' messages are not ours: drop them.
            if self.registers.read.get() == request {
                break;
            }
        }
        // The firmware wrote the answer to memory: drop any stale cached copy.
        cpu::clean_invalidate_dcache(address, size);
        buffer.status().map_err(MailboxError::Property)
    }
}

/// A spin-wait deadline on the generic counter (usable with the MMU off).
struct Deadline {
    end: u64,
}

impl Deadline {
    fn after_nanos(nanos: u64) -> Self {
        let ticks = hw_formats::counter::nanos_to_ticks_ceil(nanos, cpu::counter_frequency());
        Self { end: cpu::counter().saturating_add(ticks) }
    }

    fn check(&self) -> Result<(), MailboxError> {
        if cpu::counter() >= self.end { Err(MailboxError::Timeout) } else { Ok(()) }
    }
}
