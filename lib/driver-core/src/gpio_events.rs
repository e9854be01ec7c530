//! GPIO edge and level waits on the BCM283x event-detect registers.
//!
//! The BCM2837 and BCM2711 GPIO blocks detect events per pin: a rising or a
//! falling edge (GPREN/GPFEN, sampled synchronously to the system clock, so
//! glitches shorter than two samples are filtered) or a high or low level
//! (GPHEN/GPLEN). When an enabled detector fires, the pin's bit in the event
//! status register GPEDS latches (write 1 to clear) and the bank's interrupt
//! line is raised for as long as any status bit is set. A level detector keeps
//! latching while its level holds, so a status bit cleared with the detector
//! still on comes straight back.
//!
//! This module is the part of a pin wait that is not register access: which
//! detectors a wait arms, the per-pin state and waker, the race between arming
//! and the interrupt, and what the interrupt handler does. The hardware is
//! reached only through [`EventRegisters`], so the logic is tested on the host
//! against a model of the registers (QEMU models neither the detectors nor
//! GPIO interrupts).
//!
//! # Protocol
//!
//! * A task polls [`PinEvents::poll_wait`] (or awaits [`PinEvents::wait`]). A
//!   level wait whose level already holds completes at once, arming nothing.
//!   Otherwise the task's waker is registered, a stale status bit of the pin is
//!   cleared, the wait is recorded as *armed*, the detector(s) are enabled, and
//!   the state is checked once more: an interrupt that came in the meantime has
//!   already marked the wait *fired*, and a level that holds by now (or, for
//!   an edge wait, a change of level since just before arming) completes the
//!   wait without an interrupt.
//! * The bank interrupt handler calls [`PinEvents::on_interrupt`] for each
//!   status register. For every pin with a latched bit it disables all of the
//!   pin's detectors (so a level condition cannot raise the line again), clears
//!   the bits, then marks an armed wait *fired* and wakes its waker. It never
//!   polls anything. Events on pins nobody waits for are cleared and ignored.
//! * The next poll sees *fired* and completes. A wait dropped before it
//!   completes calls [`PinEvents::cancel`] (the [`Wait`] future does so in its
//!   destructor): detectors off, status bit cleared, waker dropped.
//!
//! One wait per pin at a time (the kernel's pin handles are owned, and waiting
//! borrows the handle mutably); different pins are independent, so any number
//! of tasks may wait on different pins at once. The read-modify-write of the
//! detect-enable registers in [`EventRegisters::set_detect`] must be atomic
//! with respect to the interrupt handler (the kernel masks IRQs around it).
//! The ordering arguments assume one core runs kernel code, as the rest of the
//! kernel does.
//!
//! ```
//! use core::cell::Cell;
//! use driver_core::gpio_events::{Detect, EventRegisters, PinEvents, WaitFor};
//!
//! /// A pin that is always high and never latches anything.
//! struct AlwaysHigh(Cell<u32>);
//! impl EventRegisters for AlwaysHigh {
//!     fn level(&self, _pin: u32) -> bool { true }
//!     fn set_detect(&self, _pin: u32, _detect: Detect, _enabled: bool) {
//!         self.0.set(self.0.get() + 1);
//!     }
//!     fn events(&self, _bank: usize) -> u32 { 0 }
//!     fn clear_events(&self, _bank: usize, _mask: u32) {}
//! }
//!
//! static EVENTS: PinEvents = PinEvents::new();
//! let regs = AlwaysHigh(Cell::new(0));
//! let waker = futures_util::task::noop_waker();
//! let mut cx = core::task::Context::from_waker(&waker);
//! // The level already holds: ready at once, nothing armed.
//! assert!(EVENTS.poll_wait(&regs, 4, WaitFor::High, &mut cx).is_ready());
//! assert_eq!(regs.0.get(), 0);
//! assert_eq!(EVENTS.armed(4), None);
//! ```

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU8, Ordering};
use core::task::{Context, Poll};
use futures_util::task::AtomicWaker;

/// GPIO pins on the BCM2837 and BCM2711 (0 to 53).
pub const PIN_COUNT: u32 = 54;

/// Event status registers (GPEDS0 for pins 0-31, GPEDS1 for 32-53).
pub const BANKS: usize = 2;

/// The status register (bank) that holds `pin`'s event bit.
pub const fn bank_of(pin: u32) -> usize {
    (pin / 32) as usize
}

/// `pin`'s bit in its bank's status and enable registers.
pub const fn bit_of(pin: u32) -> u32 {
    1 << (pin % 32)
}

/// One of a pin's synchronous event detectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detect {
    /// Rising edge (GPRENn).
    Rising,
    /// Falling edge (GPFENn).
    Falling,
    /// High level (GPHENn): latches for as long as the pin is high.
    High,
    /// Low level (GPLENn): latches for as long as the pin is low.
    Low,
}

impl Detect {
    /// Every detector, in register order.
    pub const ALL: [Detect; 4] = [Detect::Rising, Detect::Falling, Detect::High, Detect::Low];
}

/// What a task waits for on a pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitFor {
    /// The pin is high (at once if it already is).
    High,
    /// The pin is low (at once if it already is).
    Low,
    /// A low-to-high transition after the wait was armed.
    RisingEdge,
    /// A high-to-low transition after the wait was armed.
    FallingEdge,
    /// Either transition after the wait was armed.
    AnyEdge,
}

impl WaitFor {
    const ALL: [WaitFor; 5] =
        [WaitFor::High, WaitFor::Low, WaitFor::RisingEdge, WaitFor::FallingEdge, WaitFor::AnyEdge];

    /// The detectors this wait arms.
    pub const fn detectors(self) -> &'static [Detect] {
        match self {
            Self::High => &[Detect::High],
            Self::Low => &[Detect::Low],
            Self::RisingEdge => &[Detect::Rising],
            Self::FallingEdge => &[Detect::Falling],
            Self::AnyEdge => &[Detect::Rising, Detect::Falling],
        }
    }

    /// Whether this is a level wait (satisfied by the pin's current level).
    pub const fn is_level(self) -> bool {
        matches!(self, Self::High | Self::Low)
    }

    /// Whether the pin going from level `before` to level `now` satisfies
    /// this wait: a level wait looks at `now` only, an edge wait needs the
    /// matching change (so with `before == now` it never completes).
    const fn completes(self, before: bool, now: bool) -> bool {
        match self {
            Self::High => now,
            Self::Low => !now,
            Self::RisingEdge => !before && now,
            Self::FallingEdge => before && !now,
            Self::AnyEdge => before != now,
        }
    }

    /// The state code of a wait of this kind (1..=5; 0 is "idle").
    const fn code(self) -> u8 {
        match self {
            Self::High => 1,
            Self::Low => 2,
            Self::RisingEdge => 3,
            Self::FallingEdge => 4,
            Self::AnyEdge => 5,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// The event-detect registers of a GPIO block, as [`PinEvents`] needs them.
///
/// The kernel implements this on the real registers; the tests on a model.
pub trait EventRegisters {
    /// The pin's level (GPLEVn).
    fn level(&self, pin: u32) -> bool;

    /// Enables or disables one detector of `pin` (a read-modify-write of
    /// GPxENn that must not be interleaved with another one, including the
    /// interrupt handler's).
    fn set_detect(&self, pin: u32, detect: Detect, enabled: bool);

    /// The latched event bits of status register `bank` (GPEDSn).
    fn events(&self, bank: usize) -> u32;

    /// Clears the status bits in `mask` of register `bank` (write 1 to clear).
    fn clear_events(&self, bank: usize, mask: u32);

    /// Reads status register `bank` and clears the bits it read.
    fn take_events(&self, bank: usize) -> u32 {
        let events = self.events(bank);
        if events != 0 {
            self.clear_events(bank, events);
        }
        events
    }
}

/// Per-pin state: `IDLE`, or the armed wait's code, plus `FIRED` once the
/// interrupt handler has seen its event.
const IDLE: u8 = 0;
const KIND_MASK: u8 = 0x0f;
const FIRED: u8 = 0x10;

#[derive(Debug)]
struct PinSlot {
    state: AtomicU8,
    waker: AtomicWaker,
}

impl PinSlot {
    const fn new() -> Self {
        Self { state: AtomicU8::new(IDLE), waker: AtomicWaker::new() }
    }
}

/// The wait state and waker of every pin: one table per GPIO block, shared by
/// the tasks that wait and the interrupt handler that wakes them.
#[derive(Debug)]
pub struct PinEvents {
    pins: [PinSlot; PIN_COUNT as usize],
}

impl Default for PinEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl PinEvents {
    /// A table with nothing armed.
    pub const fn new() -> Self {
        Self { pins: [const { PinSlot::new() }; PIN_COUNT as usize] }
    }

    fn slot(&self, pin: u32) -> &PinSlot {
        assert!(pin < PIN_COUNT, "GPIO {pin} does not exist (0 to {})", PIN_COUNT - 1);
        &self.pins[pin as usize]
    }

    /// The wait armed on `pin`, if any (whether or not its event has arrived).
    pub fn armed(&self, pin: u32) -> Option<WaitFor> {
        WaitFor::from_code(self.slot(pin).state.load(Ordering::Acquire) & KIND_MASK)
    }

    /// Whether the interrupt handler has recorded the event of `pin`'s armed
    /// wait (the waiting task has not yet seen it).
    pub fn fired(&self, pin: u32) -> bool {
        self.slot(pin).state.load(Ordering::Acquire) & FIRED != 0
    }

    /// Polls a wait for `wait` on `pin`: `Ready` when it is satisfied,
    /// otherwise `Pending` with the detector(s) armed and `cx`'s waker
    /// registered. Poll again after a wake (or spuriously): the same wait
    /// continues. One wait per pin at a time; a different kind of wait on the
    /// same pin replaces the armed one.
    ///
    /// # Panics
    /// If `pin` is not below [`PIN_COUNT`].
    pub fn poll_wait<R: EventRegisters + ?Sized>(
        &self,
        regs: &R,
        pin: u32,
        wait: WaitFor,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let slot = self.slot(pin);
        let state = slot.state.load(Ordering::Acquire);
        let armed_from = if state & KIND_MASK == wait.code() {
            // This wait is armed already (a wake, or a spurious poll).
            if state & FIRED != 0 {
                // The handler has disabled the detectors and cleared the bit.
                return self.complete(slot);
            }
            slot.waker.register(cx.waker());
            None
        } else {
            if state != IDLE {
                // A different wait was left armed (its future leaked): replace it.
                self.cancel(regs, pin);
            }
            let before = regs.level(pin);
            if wait.completes(before, before) {
                return Poll::Ready(());
            }
            // Register first, so a handler that runs as soon as a detector is
            // on finds the waker; clear a status bit left from an earlier wait
            // before the wait counts as armed, so it cannot be taken for ours.
            slot.waker.register(cx.waker());
            regs.clear_events(bank_of(pin), bit_of(pin));
            slot.state.store(wait.code(), Ordering::Release);
            for &detect in wait.detectors() {
                regs.set_detect(pin, detect, true);
            }
            Some(before)
        };
        // Re-check: the interrupt may have come and gone since the detector
        // was armed; a level that holds by now needs no interrupt; and an edge
        // while the detectors were being armed (any edge arms two, one after
        // the other) shows as a change of level since `before`.
        if slot.state.load(Ordering::Acquire) & FIRED != 0 {
            if armed_from.is_some() {
                // The handler ran between two detectors being armed (any
                // edge): the later one is still on.
                disarm(regs, pin, wait);
            }
            return self.complete(slot);
        }
        let now = regs.level(pin);
        if wait.completes(armed_from.unwrap_or(now), now) {
            self.cancel(regs, pin);
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn complete(&self, slot: &PinSlot) -> Poll<()> {
        slot.state.store(IDLE, Ordering::Release);
        drop(slot.waker.take());
        Poll::Ready(())
    }

    /// A future that waits for `wait` on `pin` (see [`poll_wait`](Self::poll_wait));
    /// dropping it before it completes cancels the wait.
    pub fn wait<'a, R: EventRegisters + ?Sized>(
        &'a self,
        regs: &'a R,
        pin: u32,
        wait: WaitFor,
    ) -> Wait<'a, R> {
        Wait { events: self, regs, pin, kind: wait, armed: false }
    }

    /// Ends the wait on `pin`, if any: disarms its detectors, clears the pin's
    /// status bit and drops the registered waker. For a wait dropped before it
    /// completed; harmless when nothing is armed.
    ///
    /// # Panics
    /// If `pin` is not below [`PIN_COUNT`].
    pub fn cancel<R: EventRegisters + ?Sized>(&self, regs: &R, pin: u32) {
        let slot = self.slot(pin);
        // Idle first: a handler running from here on ignores the pin.
        let state = slot.state.swap(IDLE, Ordering::AcqRel);
        if let Some(kind) = WaitFor::from_code(state & KIND_MASK) {
            if state & FIRED == 0 {
                disarm(regs, pin, kind);
            } else {
                // The handler disarmed it; only a bit latched since may remain.
                regs.clear_events(bank_of(pin), bit_of(pin));
            }
        }
        drop(slot.waker.take());
    }

    /// The GPIO interrupt handler's work for status register `bank` (0 or 1):
    /// for every pin with a latched event, disable its detectors, clear the
    /// bits, and wake the pin's armed wait. Pins nobody waits for are cleared
    /// and ignored. Never polls; lock-free apart from `regs`. Returns the bits
    /// (within the bank) of the waits it woke.
    pub fn on_interrupt<R: EventRegisters + ?Sized>(&self, regs: &R, bank: usize) -> u32 {
        let events = regs.events(bank);
        if events == 0 {
            return 0;
        }
        // Disable before clearing: a level detector still on would latch
        // again at once and keep the line up.
        for pin in pins_in(bank, events) {
            for detect in Detect::ALL {
                regs.set_detect(pin, detect, false);
            }
        }
        regs.clear_events(bank, events);
        let mut woken = 0;
        for pin in pins_in(bank, events) {
            let slot = &self.pins[pin as usize];
            let recorded = slot
                .state
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                    (state != IDLE && state & FIRED == 0).then_some(state | FIRED)
                })
                .is_ok();
            if recorded {
                woken |= bit_of(pin);
                slot.waker.wake();
            }
        }
        woken
    }

    /// [`on_interrupt`](Self::on_interrupt) for every status register: what a
    /// handler does when its interrupt line does not map onto one register
    /// (the BCM283x bank lines cover GPIO 0-27, 28-45 and 46-53, and the
    /// fourth line all of them). Returns the woken bits per register.
    pub fn on_interrupt_all<R: EventRegisters + ?Sized>(&self, regs: &R) -> [u32; BANKS] {
        core::array::from_fn(|bank| self.on_interrupt(regs, bank))
    }
}

/// Disables the detectors of `wait` on `pin`, then clears the pin's status
/// bit (a level detector may have latched before it was disabled).
fn disarm<R: EventRegisters + ?Sized>(regs: &R, pin: u32, wait: WaitFor) {
    for &detect in wait.detectors() {
        regs.set_detect(pin, detect, false);
    }
    regs.clear_events(bank_of(pin), bit_of(pin));
}

/// The existing pins whose bits are set in `events` of `bank`.
fn pins_in(bank: usize, events: u32) -> impl Iterator<Item = u32> {
    let base = bank as u32 * 32;
    (0..32u32)
        .filter(move |bit| events & (1 << bit) != 0)
        .map(move |bit| base + bit)
        .filter(|&pin| pin < PIN_COUNT)
}

/// The future of [`PinEvents::wait`]: completes when the wait is satisfied;
/// cancels the wait if dropped first.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Wait<'a, R: EventRegisters + ?Sized> {
    events: &'a PinEvents,
    regs: &'a R,
    pin: u32,
    kind: WaitFor,
    /// Polled, returned `Pending`, and not completed since: the wait is ours
    /// to cancel.
    armed: bool,
}

impl<R: EventRegisters + ?Sized> Wait<'_, R> {
    /// The pin waited on.
    pub fn pin(&self) -> u32 {
        self.pin
    }

    /// What is waited for.
    pub fn kind(&self) -> WaitFor {
        self.kind
    }
}

impl<R: EventRegisters + ?Sized> Future for Wait<'_, R> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let poll = this.events.poll_wait(this.regs, this.pin, this.kind, cx);
        this.armed = poll.is_pending();
        poll
    }
}

impl<R: EventRegisters + ?Sized> Drop for Wait<'_, R> {
    fn drop(&mut self) {
        if self.armed {
            self.events.cancel(self.regs, self.pin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::boxed::Box;
    use std::cell::{Cell, RefCell};
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::{Wake, Waker};
    use std::vec::Vec;

    /// A model of the event-detect hardware: a level per pin, four detector
    /// enable registers per bank, and the write-1-to-clear status registers.
    /// Edge detectors latch on their transition; level detectors latch while
    /// the level holds, and again right after a clear if it still holds.
    #[derive(Default)]
    struct Model<'a> {
        levels: Cell<u64>,
        /// `enables[detect][bank]`, in `Detect::ALL` order.
        enables: RefCell<[[u32; BANKS]; 4]>,
        status: RefCell<[u32; BANKS]>,
        /// Detector enable/disable writes, for "nothing was armed" checks.
        detect_writes: Cell<usize>,
        /// Times the status of a pin latched.
        latches: Cell<usize>,
        /// Interrupts serviced by `service`.
        interrupts: Cell<usize>,
        /// When `(pin, level)` is set: as soon as a detector of `pin` is
        /// enabled, drive `pin` to `level` and take the interrupt, before
        /// `set_detect` returns (an event racing the arming).
        on_arm: Cell<Option<(u32, bool)>>,
        /// The table the racing interrupt is delivered to.
        events: Cell<Option<&'a PinEvents>>,
    }

    fn index(detect: Detect) -> usize {
        Detect::ALL.iter().position(|&d| d == detect).unwrap()
    }

    impl<'a> Model<'a> {
        fn new() -> Self {
            Self::default()
        }

        fn enabled(&self, pin: u32, detect: Detect) -> bool {
            self.enables.borrow()[index(detect)][bank_of(pin)] & bit_of(pin) != 0
        }

        fn any_enabled(&self, pin: u32) -> bool {
            Detect::ALL.into_iter().any(|d| self.enabled(pin, d))
        }

        fn latch(&self, pin: u32) {
            self.status.borrow_mut()[bank_of(pin)] |= bit_of(pin);
            self.latches.set(self.latches.get() + 1);
        }

        /// The level detectors' continuous latching.
        fn latch_levels(&self) {
            for pin in 0..PIN_COUNT {
                let level = self.level(pin);
                if (level && self.enabled(pin, Detect::High))
                    || (!level && self.enabled(pin, Detect::Low))
                {
                    self.latch(pin);
                }
            }
        }

        /// Drives `pin` from outside.
        fn drive(&self, pin: u32, high: bool) {
            let old = self.level(pin);
            let mask = 1u64 << pin;
            self.levels.set(if high {
                self.levels.get() | mask
            } else {
                self.levels.get() & !mask
            });
            if old != high {
                let detect = if high { Detect::Rising } else { Detect::Falling };
                if self.enabled(pin, detect) {
                    self.latch(pin);
                }
            }
            self.latch_levels();
        }

        /// The bank lines: up while any status bit is set.
        fn interrupt_pending(&self) -> bool {
            self.status.borrow().iter().any(|&s| s != 0)
        }

        /// Takes interrupts while the line is up, as the CPU would (at most
        /// 100, so a storm shows as a count instead of a hang).
        fn service(&self, events: &PinEvents) -> usize {
            let mut taken = 0;
            while self.interrupt_pending() && taken < 100 {
                taken += 1;
                self.interrupts.set(self.interrupts.get() + 1);
                events.on_interrupt_all(self);
            }
            taken
        }

        fn status_of(&self, pin: u32) -> bool {
            self.status.borrow()[bank_of(pin)] & bit_of(pin) != 0
        }
    }

    impl EventRegisters for Model<'_> {
        fn level(&self, pin: u32) -> bool {
            self.levels.get() & (1 << pin) != 0
        }

        fn set_detect(&self, pin: u32, detect: Detect, enabled: bool) {
            self.detect_writes.set(self.detect_writes.get() + 1);
            {
                let mut enables = self.enables.borrow_mut();
                let register = &mut enables[index(detect)][bank_of(pin)];
                if enabled {
                    *register |= bit_of(pin);
                } else {
                    *register &= !bit_of(pin);
                }
            }
            self.latch_levels();
            if let Some((race_pin, level)) = self.on_arm.get()
                && enabled
                && race_pin == pin
            {
                self.on_arm.set(None);
                self.drive(pin, level);
                self.service(self.events.get().expect("race needs the table"));
            }
        }

        fn events(&self, bank: usize) -> u32 {
            self.status.borrow()[bank]
        }

        fn clear_events(&self, bank: usize, mask: u32) {
            self.status.borrow_mut()[bank] &= !mask;
            self.latch_levels();
        }
    }

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A task of the test: a future, its waker and its wake count.
    struct Task<'a> {
        future: std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>,
        counter: Arc<CountingWaker>,
        waker: Waker,
    }

    impl<'a> Task<'a> {
        fn new(future: impl Future<Output = ()> + 'a) -> Self {
            let counter = Arc::new(CountingWaker::default());
            let waker = Waker::from(counter.clone());
            Self { future: Box::pin(future), counter, waker }
        }

        fn poll(&mut self) -> Poll<()> {
            self.future.as_mut().poll(&mut Context::from_waker(&self.waker))
        }

        fn wakes(&self) -> usize {
            self.counter.0.load(Ordering::SeqCst)
        }
    }

    fn poll_once<R: EventRegisters>(
        events: &PinEvents,
        regs: &R,
        pin: u32,
        wait: WaitFor,
        counter: &Arc<CountingWaker>,
    ) -> Poll<()> {
        let waker = Waker::from(counter.clone());
        events.poll_wait(regs, pin, wait, &mut Context::from_waker(&waker))
    }

    const PIN: u32 = 17;

    #[test]
    fn level_waits_that_already_hold_complete_at_once_without_arming() {
        let events = PinEvents::new();
        let model = Model::new();
        let counter = Arc::new(CountingWaker::default());
        assert!(poll_once(&events, &model, PIN, WaitFor::Low, &counter).is_ready());
        model.drive(PIN, true);
        assert!(poll_once(&events, &model, PIN, WaitFor::High, &counter).is_ready());
        assert_eq!(model.detect_writes.get(), 0);
        assert_eq!(events.armed(PIN), None);
        // No waker was kept.
        assert_eq!(Arc::strong_count(&counter), 1);
    }

    #[test]
    fn each_kind_arms_exactly_its_detectors() {
        for (wait, detectors) in [
            (WaitFor::High, &[Detect::High][..]),
            (WaitFor::Low, &[Detect::Low][..]),
            (WaitFor::RisingEdge, &[Detect::Rising][..]),
            (WaitFor::FallingEdge, &[Detect::Falling][..]),
            (WaitFor::AnyEdge, &[Detect::Rising, Detect::Falling][..]),
        ] {
            let events = PinEvents::new();
            let model = Model::new();
            // Start where the wait is not yet satisfied.
            model.drive(PIN, wait == WaitFor::Low);
            let mut task = Task::new(events.wait(&model, PIN, wait));
            assert!(task.poll().is_pending(), "{wait:?}");
            assert_eq!(events.armed(PIN), Some(wait));
            for detect in Detect::ALL {
                assert_eq!(model.enabled(PIN, detect), detectors.contains(&detect), "{wait:?}");
            }
            assert!(!model.interrupt_pending(), "{wait:?}");
        }
    }

    /// Drives the pin through `levels`, servicing interrupts after each step;
    /// returns the step after which the task was first woken.
    fn woken_after(wait: WaitFor, start: bool, levels: &[bool]) -> Option<usize> {
        let events = PinEvents::new();
        let model = Model::new();
        model.drive(PIN, start);
        let mut task = Task::new(events.wait(&model, PIN, wait));
        assert!(task.poll().is_pending(), "{wait:?} from {start}");
        for (step, &level) in levels.iter().enumerate() {
            model.drive(PIN, level);
            model.service(&events);
            if task.wakes() > 0 {
                assert!(task.poll().is_ready(), "{wait:?}: woken but not ready");
                assert_eq!(events.armed(PIN), None);
                assert!(!model.any_enabled(PIN), "{wait:?}: detectors left on");
                assert!(!model.interrupt_pending());
                return Some(step);
            }
            assert!(task.poll().is_pending(), "{wait:?}: ready without a wake");
        }
        None
    }

    #[test]
    fn wait_for_high_completes_when_the_pin_goes_high() {
        assert_eq!(woken_after(WaitFor::High, false, &[false, true]), Some(1));
    }

    #[test]
    fn wait_for_low_completes_when_the_pin_goes_low() {
        assert_eq!(woken_after(WaitFor::Low, true, &[true, false]), Some(1));
    }

    #[test]
    fn rising_edge_ignores_falling_edges() {
        assert_eq!(woken_after(WaitFor::RisingEdge, true, &[false, false, true]), Some(2));
        assert_eq!(woken_after(WaitFor::RisingEdge, false, &[true]), Some(0));
    }

    #[test]
    fn falling_edge_ignores_rising_edges() {
        assert_eq!(woken_after(WaitFor::FallingEdge, false, &[true, true, false]), Some(2));
        assert_eq!(woken_after(WaitFor::FallingEdge, true, &[false]), Some(0));
    }

    #[test]
    fn any_edge_takes_either_edge() {
        assert_eq!(woken_after(WaitFor::AnyEdge, false, &[false, true]), Some(1));
        assert_eq!(woken_after(WaitFor::AnyEdge, true, &[true, false]), Some(1));
    }

    #[test]
    fn edge_waits_do_not_complete_on_a_steady_level() {
        assert_eq!(woken_after(WaitFor::RisingEdge, true, &[true, true]), None);
        assert_eq!(woken_after(WaitFor::FallingEdge, false, &[false, false]), None);
        assert_eq!(woken_after(WaitFor::AnyEdge, true, &[true]), None);
    }

    #[test]
    fn a_status_bit_left_from_before_the_wait_is_not_taken_for_its_event() {
        let events = PinEvents::new();
        let model = Model::new();
        // An earlier detector latched and nobody serviced it yet.
        model.status.borrow_mut()[bank_of(PIN)] |= bit_of(PIN);
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::RisingEdge));
        assert!(task.poll().is_pending());
        assert!(!model.status_of(PIN), "arming clears the stale bit");
        assert_eq!(model.service(&events), 0);
        assert_eq!(task.wakes(), 0);
        assert!(task.poll().is_pending());
    }

    #[test]
    fn an_edge_right_after_arming_is_not_lost() {
        for wait in [WaitFor::RisingEdge, WaitFor::AnyEdge, WaitFor::High] {
            let events = PinEvents::new();
            let model = Model::new();
            model.events.set(Some(&events));
            // The edge and its interrupt happen inside `set_detect`, after
            // the detector is on and before the poll returns.
            model.on_arm.set(Some((PIN, true)));
            let counter = Arc::new(CountingWaker::default());
            let poll = poll_once(&events, &model, PIN, wait, &counter);
            assert_eq!(model.interrupts.get(), 1, "{wait:?}: the racing interrupt ran");
            assert!(poll.is_ready(), "{wait:?}: the re-check saw the event");
            assert_eq!(
                counter.0.load(Ordering::SeqCst),
                1,
                "{wait:?}: the registered waker was woken"
            );
            assert_eq!(events.armed(PIN), None);
            assert!(!model.any_enabled(PIN));
            assert!(!model.interrupt_pending());
            assert_eq!(Arc::strong_count(&counter), 1, "no waker kept");
        }
    }

    #[test]
    fn an_edge_between_arming_two_detectors_is_not_lost() {
        // Any edge arms the rising detector, then the falling one: a falling
        // edge in between latches nothing but changes the level.
        let events = PinEvents::new();
        let model = Model::new();
        model.events.set(Some(&events));
        model.drive(PIN, true);
        model.on_arm.set(Some((PIN, false)));
        let counter = Arc::new(CountingWaker::default());
        assert!(poll_once(&events, &model, PIN, WaitFor::AnyEdge, &counter).is_ready());
        assert_eq!(model.interrupts.get(), 0, "nothing latched");
        assert_eq!(events.armed(PIN), None);
        assert!(!model.any_enabled(PIN));
        assert_eq!(Arc::strong_count(&counter), 1);

        // The same falling edge while a rising-edge wait arms is not its event.
        model.drive(PIN, true);
        model.on_arm.set(Some((PIN, false)));
        assert!(poll_once(&events, &model, PIN, WaitFor::RisingEdge, &counter).is_pending());
        assert_eq!(events.armed(PIN), Some(WaitFor::RisingEdge));
        events.cancel(&model, PIN);
    }

    #[test]
    fn a_level_reached_after_the_check_completes_on_the_recheck() {
        // The level arrives while the detector is armed but the interrupt
        // is held off (IRQs masked): the re-check sees the level, disarms,
        // and the latched bit no longer raises the line.
        struct Arriving<'m, 'e>(&'m Model<'e>);
        impl EventRegisters for Arriving<'_, '_> {
            fn level(&self, pin: u32) -> bool {
                self.0.level(pin)
            }
            fn set_detect(&self, pin: u32, detect: Detect, enabled: bool) {
                self.0.set_detect(pin, detect, enabled);
                if enabled {
                    self.0.drive(pin, true);
                }
            }
            fn events(&self, bank: usize) -> u32 {
                self.0.events(bank)
            }
            fn clear_events(&self, bank: usize, mask: u32) {
                self.0.clear_events(bank, mask);
            }
        }
        let events = PinEvents::new();
        let model = Model::new();
        let counter = Arc::new(CountingWaker::default());
        assert!(poll_once(&events, &Arriving(&model), PIN, WaitFor::High, &counter).is_ready());
        assert_eq!(events.armed(PIN), None);
        assert!(!model.any_enabled(PIN));
        assert!(!model.interrupt_pending());
        assert_eq!(Arc::strong_count(&counter), 1);
    }

    #[test]
    fn two_tasks_wait_on_two_pins_and_each_is_woken_by_its_own() {
        let (a, b) = (5, 40); // one in each status register
        let events = PinEvents::new();
        let model = Model::new();
        let mut task_a = Task::new(events.wait(&model, a, WaitFor::RisingEdge));
        let mut task_b = Task::new(events.wait(&model, b, WaitFor::High));
        assert!(task_a.poll().is_pending());
        assert!(task_b.poll().is_pending());

        model.drive(b, true);
        assert_eq!(model.service(&events), 1);
        assert_eq!((task_a.wakes(), task_b.wakes()), (0, 1));
        assert!(task_b.poll().is_ready());
        assert!(task_a.poll().is_pending());
        assert_eq!(events.armed(a), Some(WaitFor::RisingEdge));
        assert!(model.enabled(a, Detect::Rising), "servicing b left a armed");

        model.drive(a, true);
        assert_eq!(model.service(&events), 1);
        assert_eq!((task_a.wakes(), task_b.wakes()), (1, 1));
        assert!(task_a.poll().is_ready());
    }

    #[test]
    fn events_on_two_pins_in_one_interrupt_wake_both() {
        let events = PinEvents::new();
        let model = Model::new();
        let mut tasks: Vec<_> = [3, 4, 33]
            .into_iter()
            .map(|pin| Task::new(events.wait(&model, pin, WaitFor::FallingEdge)))
            .collect();
        for pin in [3, 4, 33] {
            model.drive(pin, true);
        }
        for task in &mut tasks {
            assert!(task.poll().is_pending());
        }
        for pin in [3, 4, 33] {
            model.drive(pin, false);
        }
        assert_eq!(events.on_interrupt(&model, 0), bit_of(3) | bit_of(4));
        assert_eq!(events.on_interrupt(&model, 1), bit_of(33));
        assert!(!model.interrupt_pending());
        for task in &mut tasks {
            assert_eq!(task.wakes(), 1);
            assert!(task.poll().is_ready());
        }
    }

    #[test]
    fn dropping_a_pending_wait_disarms_it() {
        for wait in [WaitFor::High, WaitFor::Low, WaitFor::AnyEdge] {
            let events = PinEvents::new();
            let model = Model::new();
            model.drive(PIN, wait == WaitFor::Low);
            let mut task = Task::new(events.wait(&model, PIN, wait));
            assert!(task.poll().is_pending());
            assert_eq!(Arc::strong_count(&task.counter), 3, "task + its waker + registered");
            let counter = task.counter.clone();
            drop(task);
            assert_eq!(events.armed(PIN), None, "{wait:?}");
            assert!(!model.any_enabled(PIN), "{wait:?}");
            assert_eq!(Arc::strong_count(&counter), 1, "{wait:?}: registration dropped");
            // What would have completed the wait now raises nothing.
            model.drive(PIN, wait != WaitFor::Low);
            assert!(!model.interrupt_pending(), "{wait:?}");
            assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        }
    }

    #[test]
    fn cancelling_after_the_event_latched_leaves_nothing_pending() {
        let events = PinEvents::new();
        let model = Model::new();
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::High));
        assert!(task.poll().is_pending());
        model.drive(PIN, true); // latched, interrupt not yet taken
        assert!(model.interrupt_pending());
        drop(task);
        assert!(!model.interrupt_pending(), "cancel disarmed and cleared");
        assert!(!model.any_enabled(PIN));
    }

    #[test]
    fn cancelling_after_the_interrupt_fired_but_before_the_poll() {
        let events = PinEvents::new();
        let model = Model::new();
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::RisingEdge));
        assert!(task.poll().is_pending());
        model.drive(PIN, true);
        model.service(&events);
        assert!(events.fired(PIN));
        drop(task);
        assert_eq!(events.armed(PIN), None);
        assert!(!events.fired(PIN));
        // A new wait starts fresh: the old event does not complete it.
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::FallingEdge));
        assert!(task.poll().is_pending());
        assert!(model.enabled(PIN, Detect::Falling));
    }

    #[test]
    fn dropping_a_completed_or_unpolled_wait_touches_nothing() {
        let events = PinEvents::new();
        let model = Model::new();
        drop(events.wait(&model, PIN, WaitFor::RisingEdge));
        let mut done = Task::new(events.wait(&model, PIN, WaitFor::Low));
        assert!(done.poll().is_ready());
        drop(done);
        assert_eq!(model.detect_writes.get(), 0);
    }

    #[test]
    fn a_level_detector_does_not_storm_after_the_wake() {
        for (wait, level) in [(WaitFor::High, true), (WaitFor::Low, false)] {
            let events = PinEvents::new();
            let model = Model::new();
            model.drive(PIN, !level);
            let mut task = Task::new(events.wait(&model, PIN, wait));
            assert!(task.poll().is_pending());
            model.drive(PIN, level); // and it stays there
            assert_eq!(model.service(&events), 1, "{wait:?}: one interrupt, no storm");
            assert!(!model.interrupt_pending());
            assert!(!model.any_enabled(PIN));
            // The level still holds: nothing latches any more.
            let latches = model.latches.get();
            model.drive(PIN, level);
            assert_eq!(model.latches.get(), latches);
            assert!(task.poll().is_ready());
        }
    }

    #[test]
    fn without_disabling_a_level_detector_the_model_storms() {
        // The model check behind the test above: a handler that only takes
        // the events (the "take and clear" a naive handler does) never gets
        // the line down while the level holds.
        let model = Model::new();
        model.drive(PIN, true);
        model.set_detect(PIN, Detect::High, true);
        for _ in 0..10 {
            assert_ne!(model.take_events(bank_of(PIN)), 0);
            assert!(model.interrupt_pending());
        }
    }

    #[test]
    fn events_on_pins_nobody_waits_for_are_cleared_and_ignored() {
        let events = PinEvents::new();
        let model = Model::new();
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::RisingEdge));
        assert!(task.poll().is_pending());
        // A detector somebody else left on, and a stray latched bit.
        model.set_detect(8, Detect::Falling, true);
        model.drive(8, true);
        model.drive(8, false);
        model.status.borrow_mut()[1] |= bit_of(50);
        assert!(model.interrupt_pending());
        assert_eq!(events.on_interrupt_all(&model), [0, 0]);
        assert!(!model.interrupt_pending());
        assert!(!model.any_enabled(8), "the stray detector was disabled");
        assert_eq!(task.wakes(), 0);
        assert!(model.enabled(PIN, Detect::Rising), "the real wait stays armed");
        assert!(task.poll().is_pending());
    }

    #[test]
    fn status_bits_past_pin_53_are_cleared() {
        let events = PinEvents::new();
        let model = Model::new();
        model.status.borrow_mut()[1] = 0xffc0_0000; // bits for "pins" 54-63
        assert_eq!(events.on_interrupt(&model, 1), 0);
        assert!(!model.interrupt_pending());
    }

    #[test]
    fn a_repoll_with_a_new_waker_moves_the_registration() {
        let events = PinEvents::new();
        let model = Model::new();
        let (first, second) =
            (Arc::new(CountingWaker::default()), Arc::new(CountingWaker::default()));
        assert!(poll_once(&events, &model, PIN, WaitFor::High, &first).is_pending());
        assert!(poll_once(&events, &model, PIN, WaitFor::High, &second).is_pending());
        assert_eq!(Arc::strong_count(&first), 1);
        model.drive(PIN, true);
        model.service(&events);
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
        assert!(poll_once(&events, &model, PIN, WaitFor::High, &second).is_ready());
    }

    #[test]
    fn a_spurious_repoll_keeps_the_wait_armed() {
        let events = PinEvents::new();
        let model = Model::new();
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::FallingEdge));
        model.drive(PIN, true);
        assert!(task.poll().is_pending());
        let writes = model.detect_writes.get();
        for _ in 0..3 {
            assert!(task.poll().is_pending());
        }
        assert_eq!(model.detect_writes.get(), writes, "re-polls do not re-arm");
        model.drive(PIN, false);
        model.service(&events);
        assert!(task.poll().is_ready());
    }

    #[test]
    fn waits_one_after_another_on_the_same_pin() {
        let events = PinEvents::new();
        let model = Model::new();
        for round in 0..5 {
            let level = round % 2 == 0;
            let mut task = Task::new(events.wait(&model, 53, WaitFor::AnyEdge));
            assert!(task.poll().is_pending());
            model.drive(53, level);
            assert_eq!(model.service(&events), 1);
            assert!(task.poll().is_ready(), "round {round}");
        }
    }

    #[test]
    fn a_leaked_wait_of_another_kind_is_replaced() {
        let events = PinEvents::new();
        let model = Model::new();
        let mut leaked = events.wait(&model, PIN, WaitFor::RisingEdge);
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        assert!(Pin::new(&mut leaked).poll(&mut Context::from_waker(&waker)).is_pending());
        core::mem::forget(leaked); // its destructor never cancels
        let mut task = Task::new(events.wait(&model, PIN, WaitFor::Low));
        model.drive(PIN, true);
        assert!(task.poll().is_pending());
        assert_eq!(events.armed(PIN), Some(WaitFor::Low));
        assert!(!model.enabled(PIN, Detect::Rising));
        assert!(model.enabled(PIN, Detect::Low));
        drop(waker);
        assert_eq!(Arc::strong_count(&counter), 1, "the leaked wait's waker was dropped");
    }

    #[test]
    fn pins_map_onto_banks_and_bits() {
        assert_eq!((bank_of(0), bit_of(0)), (0, 1));
        assert_eq!((bank_of(31), bit_of(31)), (0, 1 << 31));
        assert_eq!((bank_of(32), bit_of(32)), (1, 1));
        assert_eq!((bank_of(53), bit_of(53)), (1, 1 << 21));
    }

    #[test]
    #[should_panic(expected = "GPIO 54 does not exist")]
    fn pin_54_is_refused() {
        let events = PinEvents::new();
        let model = Model::new();
        let counter = Arc::new(CountingWaker::default());
        let _ = poll_once(&events, &model, 54, WaitFor::High, &counter);
    }
}
