//! UART0 as futures: interrupt-driven receive into a ring buffer,
//! interrupt-paced transmit, error and overflow counters.
//!
//! ```ignore
//! let (mut rx, mut tx) = kernel::drivers::uart::start(UartConfig::default())?;
//! let mut buf = [0u8; 64];
//! let n = rx.read(&mut buf).await;          // returns once >= 1 byte is there
//! tx.write_all(&buf[..n]).await;            // sleeps on the TX interrupt
//! let line = LineReader::new(256).read_line(&mut rx).await;
//! ```
//!
//! **Receive path.** The PL011 raises its receive interrupt when its FIFO is
//! half full, or when bytes wait and none arrive (receive timeout). The
//! handler clears the interrupt first, then drains the FIFO into a
//! single-producer single-consumer ring (1 KiB by default): every byte is
//! either stored or, if the ring is full, dropped and counted — never a hang,
//! never a panic. Bytes with a framing, parity or break error are counted and
//! discarded; an overrun (a byte the hardware itself had to drop) is counted.
//! The handler then signals an `IrqEvent`, which wakes the reader task. The
//! reader's `read` returns as soon as at least one byte is in the ring.
//!
//! **Transmit path.** `write` puts as much as fits into the transmit FIFO
//! (through the console lock, so it never interleaves with `print!` inside a
//! FIFO's worth). When the FIFO is full it unmasks the transmit interrupt
//! (raised when the FIFO drains to one eighth) and sleeps; the handler masks
//! it again and wakes the writer. `print!` and crash reports keep their
//! synchronous paths.
//!
//! **Fairness.** Every `read` and `read_line` spends one unit of the task's
//! cooperative budget (`async_core::coop`), every `write` (at most one FIFO's
//! worth, 16 bytes) eight: hardware that is always ready — QEMU's UART never fills its transmit FIFO, a fast sender keeps the
//! ring full — would otherwise let one task run forever.
//!
//! The reader and the writer are separate handles: one task can read while
//! another writes. Both implement `embedded-io-async`'s `Read`/`Write`; the
//! writer also implements `core::fmt::Write` (synchronously).

use crate::drivers::pl011::{Pl011, data_error, interrupt};
use crate::{board, console, irq};
use async_core::reactor::IrqEvent;
use core::future::poll_fn;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::Poll;
use driver_core::line::{Feed, LineAssembler};
use driver_core::ring::{ByteRing, Popped};

/// Depth of the PL011's transmit FIFO on the BCM2835/BCM2711: the most one
/// `write` puts in at a time (so one write holds the console lock only briefly,
/// and the cooperative budget bounds how much a task sends per turn).
pub const TX_FIFO_DEPTH: usize = 16;

/// Cooperative-budget units one `write` costs (see `async_core::coop`).
const WRITE_COST: u32 = 8;

/// Receive ring size unless configured otherwise.
pub const DEFAULT_RX_CAPACITY: usize = 1024;

/// How the driver is set up.
#[derive(Clone, Copy, Debug)]
pub struct UartConfig {
    /// Receive ring size in bytes (rounded up to a power of two).
    pub rx_capacity: usize,
}

impl Default for UartConfig {
    fn default() -> Self {
        Self { rx_capacity: DEFAULT_RX_CAPACITY }
    }
}

/// Why the driver could not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UartError {
    /// It is already running (its reader and writer exist).
    AlreadyStarted,
    /// Its interrupt line already has another handler.
    InterruptLineBusy,
}

/// Counters of the receive path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UartCounters {
    /// Bytes stored in the ring.
    pub received: u64,
    /// Bytes dropped because the ring was full.
    pub dropped: u64,
    /// Bytes discarded for a framing error.
    pub framing_errors: u64,
    /// Bytes discarded for a parity error.
    pub parity_errors: u64,
    /// Break conditions.
    pub breaks: u64,
    /// Overruns: times the hardware's own FIFO was full when a byte
    /// arrived (each lost at least one byte; how many is not known).
    pub overruns: u64,
}

impl UartCounters {
    /// All receive errors together.
    pub fn errors(&self) -> u64 {
        self.framing_errors + self.parity_errors + self.breaks + self.overruns
    }
}

struct Counters {
    received: AtomicU64,
    dropped: AtomicU64,
    framing: AtomicU64,
    parity: AtomicU64,
    breaks: AtomicU64,
    overruns: AtomicU64,
}

static COUNTERS: Counters = Counters {
    received: AtomicU64::new(0),
    dropped: AtomicU64::new(0),
    framing: AtomicU64::new(0),
    parity: AtomicU64::new(0),
    breaks: AtomicU64::new(0),
    overruns: AtomicU64::new(0),
};
static RX_RING: spin::Once<ByteRing> = spin::Once::new();
static RX_EVENT: IrqEvent = IrqEvent::new();
static TX_EVENT: IrqEvent = IrqEvent::new();
static STARTED: AtomicBool = AtomicBool::new(false);

/// The receive counters so far (zero until the driver starts).
pub fn counters() -> UartCounters {
    let c = &COUNTERS;
    UartCounters {
        received: c.received.load(Ordering::Relaxed),
        dropped: c.dropped.load(Ordering::Relaxed),
        framing_errors: c.framing.load(Ordering::Relaxed),
        parity_errors: c.parity.load(Ordering::Relaxed),
        breaks: c.breaks.load(Ordering::Relaxed),
        overruns: c.overruns.load(Ordering::Relaxed),
    }
}

/// Starts the interrupt-driven driver on UART0 and returns its two halves.
/// Once started, all console input goes through the reader (the polling
/// `console::read_byte` must no longer be used).
pub fn start(config: UartConfig) -> Result<(UartReader, UartWriter), UartError> {
    if STARTED.swap(true, Ordering::AcqRel) {
        return Err(UartError::AlreadyStarted);
    }
    let ring = RX_RING.call_once(|| ByteRing::new(config.rx_capacity));
    if ring.capacity() < config.rx_capacity {
        // The ring was made by an earlier start with a smaller capacity: keep it.
        log::warn!("uart: receive ring stays at {} bytes", ring.capacity());
    }
    if irq::register(board::irq::UART0, on_interrupt).is_err() {
        STARTED.store(false, Ordering::Release);
        return Err(UartError::InterruptLineBusy);
    }
    let irq_state = crate::arch::cpu::mask_irqs();
    console::with_uart(|uart| {
        uart.set_fifo_trigger_levels();
        uart.clear_interrupts(interrupt::RX | interrupt::RX_TIMEOUT | interrupt::ERRORS);
        uart.set_interrupts(interrupt::RX | interrupt::RX_TIMEOUT | interrupt::ERRORS, true);
    });
    irq::enable(board::irq::UART0);
    // Bytes that arrived before the interrupt was unmasked raise none: drain now.
    receive();
    crate::arch::cpu::restore_irqs(irq_state);
    Ok((UartReader { _private: () }, UartWriter { _private: () }))
}

/// UART0's interrupt handler: the receive and transmit reactor.
fn on_interrupt(_line: irq::IrqLine) {
    let pending = console::with_uart(|uart| uart.masked_interrupts());
    if pending & (interrupt::RX | interrupt::RX_TIMEOUT | interrupt::ERRORS) != 0 {
        receive();
    }
    if pending & interrupt::TX != 0 {
        console::with_uart(|uart| uart.set_interrupts(interrupt::TX, false));
        TX_EVENT.signal();
    }
}

/// Moves every byte from the receive FIFO to the ring, counting what is
/// dropped or erroneous, and wakes the reader.
fn receive() {
    let Some(ring) = RX_RING.get() else { return };
    let c = &COUNTERS;
    let mut stored = 0u64;
    console::with_uart(|uart: &mut Pl011| {
        // Clear first, then drain: a byte arriving mid-drain raises it again.
        uart.clear_interrupts(interrupt::RX | interrupt::RX_TIMEOUT | interrupt::ERRORS);
        // Every byte lost or discarded leaves a gap in the ring at its place
        // in the stream (`ByteRing::mark_lost`), for `read_marked`.
        while let Some(word) = uart.read_word() {
            if word & data_error::OVERRUN != 0 {
                // Bytes the FIFO had no room for, before this one.
                c.overruns.fetch_add(1, Ordering::Relaxed);
                ring.mark_lost(1);
            }
            let error = if word & data_error::BREAK != 0 {
                &c.breaks
            } else if word & data_error::FRAMING != 0 {
                &c.framing
            } else if word & data_error::PARITY != 0 {
                &c.parity
            } else if ring.push(word as u8) {
                stored += 1;
                continue;
            } else {
                &c.dropped
            };
            error.fetch_add(1, Ordering::Relaxed);
            ring.mark_lost(1);
        }
    });
    if stored > 0 {
        c.received.fetch_add(stored, Ordering::Relaxed);
        RX_EVENT.signal();
    }
}

/// The receiving half of UART0.
#[derive(Debug)]
pub struct UartReader {
    _private: (),
}

impl UartReader {
    fn ring(&self) -> &'static ByteRing {
        RX_RING.get().expect("the reader exists only after start")
    }

    /// Waits until at least one byte has arrived, then moves as many as fit
    /// into `buf` (at least one); returns how many. Returns 0 only for an
    /// empty `buf`.
    pub async fn read(&mut self, buf: &mut [u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        let ring = self.ring();
        poll_fn(|cx| {
            // Data that is always there must not let this task run forever.
            core::task::ready!(async_core::coop::poll_proceed(cx));
            let n = ring.pop_slice(buf);
            if n > 0 {
                return Poll::Ready(n);
            }
            RX_EVENT.register(cx.waker());
            match ring.pop_slice(buf) {
                0 => Poll::Pending,
                n => Poll::Ready(n),
            }
        })
        .await
    }

    /// Like [`read`](Self::read), and also says how many bytes were lost
    /// (receive ring full, UART overrun, a framing or parity error, a break)
    /// just before the first byte returned. A read never spans a loss: it
    /// stops before the next byte that follows one. The count is a lower
    /// bound (an overrun counts as one byte).
    pub async fn read_marked(&mut self, buf: &mut [u8]) -> Popped {
        if buf.is_empty() {
            return Popped::default();
        }
        let ring = self.ring();
        poll_fn(|cx| {
            core::task::ready!(async_core::coop::poll_proceed(cx));
            let popped = ring.pop_slice_marked(buf);
            if popped.bytes > 0 {
                return Poll::Ready(popped);
            }
            RX_EVENT.register(cx.waker());
            match ring.pop_slice_marked(buf) {
                Popped { bytes: 0, .. } => Poll::Pending,
                popped => Poll::Ready(popped),
            }
        })
        .await
    }

    /// Moves the bytes already received into `buf` without waiting.
    pub fn try_read(&mut self, buf: &mut [u8]) -> usize {
        self.ring().pop_slice(buf)
    }

    /// Waits for one byte.
    pub async fn read_byte(&mut self) -> u8 {
        let mut byte = [0u8];
        self.read(&mut byte).await;
        byte[0]
    }
}

/// Why `read_line` returned no line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    /// The line was longer than the limit; the rest of it will be discarded.
    TooLong,
}

/// Reads lines from a [`UartReader`]: `\r`, `\n` and `\r\n` end a line; an
/// over-long line is an error and the rest of it is discarded.
#[derive(Debug)]
pub struct LineReader {
    assembler: LineAssembler,
}

impl LineReader {
    /// A line reader for lines of at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self { assembler: LineAssembler::new(max) }
    }

    /// Waits for the next line (without its terminator).
    pub async fn read_line(&mut self, reader: &mut UartReader) -> Result<&[u8], LineError> {
        let ring = reader.ring();
        let ended = poll_fn(|cx| {
            core::task::ready!(async_core::coop::poll_proceed(cx));
            loop {
                while let Some(byte) = ring.pop() {
                    match self.assembler.feed(byte) {
                        Feed::Pending => {}
                        Feed::Line => return Poll::Ready(Ok(())),
                        Feed::TooLong => return Poll::Ready(Err(LineError::TooLong)),
                    }
                }
                RX_EVENT.register(cx.waker());
                if ring.is_empty() {
                    return Poll::Pending;
                }
            }
        })
        .await;
        ended.map(|()| self.assembler.line())
    }
}

/// The transmitting half of UART0.
#[derive(Debug)]
pub struct UartWriter {
    _private: (),
}

impl UartWriter {
    /// Writes at least one and at most [`TX_FIFO_DEPTH`] bytes of `buf`
    /// (waiting for FIFO room if needed); returns how many. Returns 0 only for
    /// an empty `buf`.
    pub async fn write(&mut self, buf: &[u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        let buf = &buf[..buf.len().min(TX_FIFO_DEPTH)];
        poll_fn(|cx| {
            // A FIFO that never fills (QEMU's) must not let this task run
            // forever: a FIFO's worth costs 8 units, so a turn sends at most
            // 256 bytes before the others get the CPU.
            core::task::ready!(async_core::coop::poll_proceed_cost(cx, WRITE_COST));
            let n = console::try_write_raw(buf);
            if n > 0 {
                return Poll::Ready(n);
            }
            // FIFO full: sleep until it drains to its trigger level. Register
            // first, then unmask, then look again (the level may already have
            // been crossed: the PL011 raises TX on the crossing).
            TX_EVENT.register(cx.waker());
            let _ = TX_EVENT.take();
            console::with_uart(|uart| uart.set_interrupts(interrupt::TX, true));
            match console::try_write_raw(buf) {
                0 => Poll::Pending,
                n => Poll::Ready(n),
            }
        })
        .await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&mut self, mut buf: &[u8]) {
        while !buf.is_empty() {
            let n = self.write(buf).await;
            buf = &buf[n..];
        }
    }

    /// Waits until everything written has left the UART.
    pub async fn flush(&mut self) {
        while !console::with_uart(|uart| uart.transmit_idle()) {
            async_core::time::sleep(core::time::Duration::from_micros(100)).await;
        }
    }
}

impl embedded_io_async::ErrorType for UartReader {
    type Error = core::convert::Infallible;
}

impl embedded_io_async::Read for UartReader {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(UartReader::read(self, buf).await)
    }
}

impl embedded_io_async::ErrorType for UartWriter {
    type Error = core::convert::Infallible;
}

impl embedded_io_async::Write for UartWriter {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(UartWriter::write(self, buf).await)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        UartWriter::flush(self).await;
        Ok(())
    }
}

impl core::fmt::Write for UartWriter {
    /// Synchronous: waits (spinning) while the FIFO is full. For formatted
    /// output from a task, prefer `write_all` of a formatted buffer.
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        console::write_bytes(s.as_bytes());
        Ok(())
    }
}
