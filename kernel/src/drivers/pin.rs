//! GPIO pins as owned handles, with async edge and level waits.
//!
//! A [`Pin`] is the only way kernel code drives a GPIO after boot. It is owned
//! by one user at a time: [`Pin::take`] claims the pin in a lock-free bitmap
//! and fails with [`PinError::InUse`] while someone else holds it; dropping
//! the `Pin` gives it back. GPIO 14 and 15 belong to the console (PL011 TXD0
//! and RXD0, set up at boot) and can never be taken.
//!
//! Waiting ([`Pin::wait_for_high`], [`Pin::wait_for_rising_edge`], ...) uses
//! the event detectors: the wait arms the pin's detector(s) and parks the
//! task; the GPIO bank interrupt's handler disables the detectors, clears the
//! event and wakes the task (`driver_core::gpio_events` has the protocol, and
//! its host tests the races). The bank interrupts are registered and enabled
//! the first time any pin waits. Dropping a wait disarms it.
//!
//! **QEMU models no GPIO events or interrupts** (neither `raspi3b` nor
//! `raspi4b`): there, a level wait whose level already holds completes, and
//! every other wait only ends by being dropped (e.g. by a timeout). Function
//! select, outputs and levels work in QEMU.
//!
//! `Pin` implements embedded-hal 1.0's `OutputPin`, `InputPin` and
//! `StatefulOutputPin` and embedded-hal-async's `Wait`, with
//! `Error = Infallible`, so drivers written against those traits run on it.

use super::gpio::Gpio;
use crate::{board, irq};
use core::convert::Infallible;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use driver_core::gpio_events::{self, PinEvents};

pub use super::gpio::{Function, PIN_COUNT, Pull};
pub use driver_core::gpio_events::{Detect, WaitFor};

// SAFETY: the board names the SoC's GPIO block, mapped as device memory for
// the kernel's lifetime. Every shared read-modify-write in `Gpio` masks IRQs.
static GPIO: Gpio = unsafe { Gpio::new(board::GPIO_BASE) };

/// Wait state and wakers of every pin, shared with the bank interrupt handler.
static EVENTS: PinEvents = PinEvents::new();

/// Which pins are taken, one bit per pin (bank 0: GPIO 0-31, bank 1: 32-53).
/// The console's pins are taken from the start and never released.
static TAKEN: [AtomicU32; 2] = [
    AtomicU32::new((1 << board::CONSOLE_TX_PIN) | (1 << board::CONSOLE_RX_PIN)),
    AtomicU32::new(0),
];

// The console's pins must be in the first word for the initialiser above.
const _: () = assert!(board::CONSOLE_TX_PIN < 32 && board::CONSOLE_RX_PIN < 32);

/// Whether the bank interrupt handlers have been set up.
static INTERRUPTS_READY: AtomicBool = AtomicBool::new(false);

/// Why a pin could not be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinError {
    /// The SoC has no such GPIO (valid: 0 to 53).
    NoSuchPin,
    /// Someone else holds the pin (or it is the console's).
    InUse,
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchPin => write!(f, "no such GPIO (0 to {})", PIN_COUNT - 1),
            Self::InUse => f.write_str("GPIO already in use"),
        }
    }
}

impl core::error::Error for PinError {}

/// One GPIO pin, owned: while this handle exists nobody else can take the pin.
///
/// Taking a pin does not change it: set its function (and pull) first. The
/// level methods read GPLEV, which for an output is the level it drives (the
/// SoC has no readable output latch).
///
/// ```ignore
/// use kernel::drivers::pin::{Function, Pin, Pull};
///
/// // An output: GPIO 17 drives an LED.
/// let mut led = Pin::take(17)?;
/// led.set_function(Function::Output);
/// led.set_high();
/// led.toggle(); // off again
///
/// // An input with a pull-up: a button on GPIO 27 shorts it to ground.
/// let mut button = Pin::take(27)?;
/// button.set_pull(Pull::Up);
/// button.set_function(Function::Input);
/// kernel::executor::spawn(async move {
///     loop {
///         button.wait_for_falling_edge().await; // pressed
///         kernel::println!("pressed");
///         button.wait_for_high().await; // released
///     }
/// });
///
/// // The same pin through embedded-hal, for drivers generic over the traits.
/// fn blink<P: embedded_hal::digital::StatefulOutputPin>(p: &mut P) {
///     p.toggle().unwrap();
/// }
/// blink(&mut led);
/// ```
#[derive(Debug)]
pub struct Pin {
    number: u32,
}

impl Pin {
    /// Claims GPIO `number`: [`PinError::NoSuchPin`] past 53,
    /// [`PinError::InUse`] while another handle (or the console) holds it.
    pub fn take(number: u32) -> Result<Pin, PinError> {
        if number >= PIN_COUNT {
            return Err(PinError::NoSuchPin);
        }
        let (word, bit) = (gpio_events::bank_of(number), gpio_events::bit_of(number));
        if TAKEN[word].fetch_or(bit, Ordering::Acquire) & bit != 0 {
            return Err(PinError::InUse);
        }
        Ok(Pin { number })
    }

    /// The pin's GPIO number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Connects the pin to `function` (input, output or an alternate function).
    pub fn set_function(&mut self, function: Function) {
        GPIO.set_function(self.number, function);
    }

    /// The function the pin is set to (GPFSELn).
    pub fn function(&self) -> Function {
        GPIO.function(self.number)
    }

    /// Sets the pull resistor, the way this board's SoC wants it.
    pub fn set_pull(&mut self, pull: Pull) {
        GPIO.set_pull(self.number, pull);
    }

    /// The pull resistor as the SoC reports it (`None` on the BCM2837, which
    /// cannot report it).
    pub fn pull(&self) -> Option<Pull> {
        GPIO.pull(self.number)
    }

    /// Drives the pin high (takes effect while it is an output).
    pub fn set_high(&mut self) {
        GPIO.write(self.number, true);
    }

    /// Drives the pin low (takes effect while it is an output).
    pub fn set_low(&mut self) {
        GPIO.write(self.number, false);
    }

    /// Drives the pin high (`true`) or low.
    pub fn set_level(&mut self, high: bool) {
        GPIO.write(self.number, high);
    }

    /// Drives the pin to the opposite of its current level.
    pub fn toggle(&mut self) {
        let high = self.is_high();
        self.set_level(!high);
    }

    /// Whether the pin is high (GPLEVn).
    pub fn is_high(&self) -> bool {
        GPIO.read(self.number)
    }

    /// Whether the pin is low (GPLEVn).
    pub fn is_low(&self) -> bool {
        !self.is_high()
    }

    /// Waits until the pin is high; at once if it already is.
    pub async fn wait_for_high(&mut self) {
        self.wait(WaitFor::High).await;
    }

    /// Waits until the pin is low; at once if it already is.
    pub async fn wait_for_low(&mut self) {
        self.wait(WaitFor::Low).await;
    }

    /// Waits for a low-to-high transition after the wait starts.
    pub async fn wait_for_rising_edge(&mut self) {
        self.wait(WaitFor::RisingEdge).await;
    }

    /// Waits for a high-to-low transition after the wait starts.
    pub async fn wait_for_falling_edge(&mut self) {
        self.wait(WaitFor::FallingEdge).await;
    }

    /// Waits for either transition after the wait starts.
    pub async fn wait_for_any_edge(&mut self) {
        self.wait(WaitFor::AnyEdge).await;
    }

    /// Waits for `what`. Dropping the future before it completes disarms the
    /// pin's detectors.
    pub async fn wait(&mut self, what: WaitFor) {
        enable_event_interrupts();
        EVENTS.wait(&GPIO, self.number, what).await;
    }

    /// Whether `detect` is enabled for this pin in the hardware (the detect
    /// enable registers read back; always `false` in QEMU, which does not
    /// model them). For tests and diagnostics.
    pub fn detector_enabled(&self, detect: Detect) -> bool {
        GPIO.detect_enabled(self.number, detect)
    }

    /// The wait currently armed on this pin, if any (software state: a wait
    /// that is parked, or whose event the handler recorded but whose task has
    /// not run yet).
    pub fn armed_wait(&self) -> Option<WaitFor> {
        EVENTS.armed(self.number)
    }
}

impl Drop for Pin {
    fn drop(&mut self) {
        let (word, bit) = (gpio_events::bank_of(self.number), gpio_events::bit_of(self.number));
        TAKEN[word].fetch_and(!bit, Ordering::Release);
    }
}

/// The level of GPIO `number` (GPLEVn), whoever owns it: reading has no side
/// effects. For diagnostics and tests (e.g. the activity LED's pin).
pub fn read_level(number: u32) -> Result<bool, PinError> {
    if number >= PIN_COUNT {
        return Err(PinError::NoSuchPin);
    }
    Ok(GPIO.read(number))
}

/// The wait armed on GPIO `number`, whoever owns the pin (`None` also for
/// pins that do not exist). For diagnostics and tests.
pub fn armed(number: u32) -> Option<WaitFor> {
    (number < PIN_COUNT).then(|| EVENTS.armed(number)).flatten()
}

/// Registers and enables the GPIO bank interrupts, once. A line that already
/// has a handler is enabled as it is.
fn enable_event_interrupts() {
    if INTERRUPTS_READY.swap(true, Ordering::AcqRel) {
        return;
    }
    for line in board::irq::GPIO_BANKS {
        match irq::register(line, on_gpio_interrupt) {
            Ok(()) | Err(irq::IrqError::AlreadyRegistered(_)) => irq::enable(line),
            Err(error) => log::warn!("gpio: {error}; pin waits on it will not wake"),
        }
    }
}

/// The handler of all four GPIO lines. The bank lines cover GPIO 0-27, 28-45
/// and 46-53 (the fourth, any of them), which do not match the two status
/// registers, so every line services both: two register reads.
fn on_gpio_interrupt(_line: irq::IrqLine) {
    EVENTS.on_interrupt_all(&GPIO);
}

impl embedded_hal::digital::ErrorType for Pin {
    type Error = Infallible;
}

impl embedded_hal::digital::OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        Pin::set_low(self);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Infallible> {
        Pin::set_high(self);
        Ok(())
    }
}

/// The set state is GPLEV: the BCM283x cannot read its output latch back.
impl embedded_hal::digital::StatefulOutputPin for Pin {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(Pin::is_high(self))
    }

    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(Pin::is_low(self))
    }

    fn toggle(&mut self) -> Result<(), Infallible> {
        Pin::toggle(self);
        Ok(())
    }
}

impl embedded_hal::digital::InputPin for Pin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(Pin::is_high(self))
    }

    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(Pin::is_low(self))
    }
}

impl embedded_hal_async::digital::Wait for Pin {
    async fn wait_for_high(&mut self) -> Result<(), Infallible> {
        Pin::wait_for_high(self).await;
        Ok(())
    }

    async fn wait_for_low(&mut self) -> Result<(), Infallible> {
        Pin::wait_for_low(self).await;
        Ok(())
    }

    async fn wait_for_rising_edge(&mut self) -> Result<(), Infallible> {
        Pin::wait_for_rising_edge(self).await;
        Ok(())
    }

    async fn wait_for_falling_edge(&mut self) -> Result<(), Infallible> {
        Pin::wait_for_falling_edge(self).await;
        Ok(())
    }

    async fn wait_for_any_edge(&mut self) -> Result<(), Infallible> {
        Pin::wait_for_any_edge(self).await;
        Ok(())
    }
}
