//! The VideoCore mailbox (property channel): how the ARM asks the firmware for
//! the board revision, its share of RAM, clock rates, temperatures, ...
//!
//! Messages are built and checked by `hw_formats::mailbox`; this driver moves
//! them through one static DMA buffer:
//!
//! * The buffer is cache-line aligned and padded, so cache maintenance on it
//!   never touches other data. It is cleaned to memory before the firmware
//!   reads it and invalidated before the CPU reads the answer (the VideoCore
//!   does not snoop the ARM's caches).
//! * Its address is given as a bus address in the uncached alias
//!   (0xC000_0000 + ARM physical address), where the firmware reads it.
//! * It is static, not on a caller's stack: if the firmware answers after we
//!   gave up waiting, it writes into that buffer and nowhere else — and the
//!   mailbox is then poisoned (every later call fails) so the buffer is never
//!   reused while a late answer may still land in it.
//! * The ARM writes to mailbox 1 (polling its status register for space) and
//!   reads answers from mailbox 0.
//!
//! No locks and no read-modify-write atomics: boot calls this with the MMU
//! off. Callers serialise (see [`Mailbox::new`]).

use super::Mmio;
use crate::arch::cpu;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use hw_formats::mailbox::{self as message, PropertyBuffer, PropertyError};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

register_structs! {
    Registers {
        (0x00 => mail0_read: ReadOnly<u32>),
        (0x04 => _reserved0),
        (0x18 => mail0_status: ReadOnly<u32>),
        (0x1c => _reserved1),
        (0x20 => mail1_write: WriteOnly<u32>),
        (0x24 => _reserved2),
        (0x38 => mail1_status: ReadOnly<u32>),
        (0x3c => @END),
    }
}

const STATUS_FULL: u32 = 1 << 31;
const STATUS_EMPTY: u32 = 1 << 30;
/// The VideoCore's uncached alias of ARM physical memory.
const BUS_ALIAS_UNCACHED: u32 = 0xc000_0000;
/// How long the firmware gets to answer.
const TIMEOUT_NANOS: u64 = 100_000_000;

/// The DMA buffer: alone on its cache lines (64 bytes on the A53 and A72).
#[repr(C, align(64))]
struct DmaBuffer(UnsafeCell<PropertyBuffer>);

// SAFETY: the buffer is only touched inside `Mailbox::call`, whose callers
// serialise (one `Mailbox` in use at a time, see `Mailbox::new`).
unsafe impl Sync for DmaBuffer {}

static BUFFER: DmaBuffer = DmaBuffer(UnsafeCell::new(PropertyBuffer::new()));
/// Set after a timeout; plain loads/stores only (usable with the MMU off).
static POISONED: AtomicBool = AtomicBool::new(false);

/// Why a mailbox call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailboxError {
    /// The firmware did not take or answer the message in time.
    Timeout,
    /// An earlier call timed out; the mailbox is no longer used.
    Poisoned,
    /// The firmware answered, but not as requested.
    Property(PropertyError),
}

/// The ARM-to-VideoCore mailboxes.
pub struct Mailbox {
    registers: Mmio<Registers>,
}

impl Mailbox {
    /// A handle on the mailboxes at `base` (peripheral base + 0xB880).
    ///
    /// # Safety
    /// `base` must be the mailbox register block, and no other handle may make
    /// a call at the same time (calls share one DMA buffer).
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: forwarded from the caller.
        Self { registers: unsafe { Mmio::new(base) } }
    }

    /// Sends the property message `message` (after [`PropertyBuffer::finish`])
    /// and waits for the firmware's answer, which replaces it.
    pub fn call(&mut self, message: &mut PropertyBuffer) -> Result<(), MailboxError> {
        if POISONED.load(Ordering::Relaxed) {
            return Err(MailboxError::Poisoned);
        }
        let buffer = BUFFER.0.get();
        let address = buffer as usize;
        let size = core::mem::size_of::<DmaBuffer>();
        // The kernel image (and so BUFFER) lies below 2 MiB: always a valid
        // 30-bit bus offset.
        let request = message::request_word(BUS_ALIAS_UNCACHED | address as u32);

        // SAFETY: callers serialise (see `new`), so nothing else uses the buffer.
        unsafe { buffer.write(message.clone()) };
        cpu::clean_dcache(address, size);
        let deadline = Deadline::after_nanos(TIMEOUT_NANOS);
        while self.registers.mail1_status.get() & STATUS_FULL != 0 {
            deadline.check()?;
        }
        self.registers.mail1_write.set(request);
        loop {
            while self.registers.mail0_status.get() & STATUS_EMPTY != 0 {
                deadline.check()?;
            }
            // Answers to other channels' messages are not ours: drop them.
            if self.registers.mail0_read.get() == request {
                break;
            }
        }
        // SAFETY: the buffer is line aligned and padded (nothing else shares its
        // lines), and the CPU has no pending writes to it that matter: the
        // firmware's answer in memory is what we want.
        unsafe { cpu::invalidate_dcache(address, size) };
        // SAFETY: as above; the firmware is done with the buffer.
        *message = unsafe { (*buffer).clone() };
        message.status().map_err(MailboxError::Property)
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
        if cpu::counter() < self.end {
            return Ok(());
        }
        // The firmware may still write the buffer later: never use it again.
        POISONED.store(true, Ordering::Relaxed);
        Err(MailboxError::Timeout)
    }
}
