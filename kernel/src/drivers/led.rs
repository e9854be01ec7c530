//! The board's green activity LED, the same way on both boards.
//!
//! Where the LED is wired differs by board, and on the Pi 3 by model, so
//! [`ActivityLed::take`] asks `board::activity_led` with the model the
//! firmware reported at boot:
//!
//! * **Pi 4B; Pi 3B+ and 3A+**: SoC GPIO 42 (Pi 4) or 29 (3B+, 3A+), active
//!   high. `take` takes the [`Pin`], makes it an output and switches the LED
//!   off; `set` is a GPSET or GPCLR write and cannot fail. (On the 3B+ and
//!   3A+ the expander pin the 3B uses drives the power LED: leaving it alone
//!   is the point of asking for the model.)
//! * **Pi 3B** (and a Pi 3 whose firmware did not say which): pin 130 of the
//!   GPIO expander behind the VideoCore firmware,
//!   reached with the mailbox tag "set GPIO state" (0x00038041). This is
//!   **best effort**: a call can fail (QEMU does not implement the tag and
//!   answers it empty, so in QEMU every `set` returns
//!   [`LedError::Refused`]), and it polls the mailbox, so it is
//!   for task context only, never an interrupt handler. The first failure is
//!   logged; later ones are only returned. The state last asked for is kept
//!   either way, so [`ActivityLed::toggle`] alternates even when the firmware
//!   does not answer. `take` does not talk to the firmware: until the first
//!   `set` the LED shows whatever the firmware left and counts as off.
//! * Other models on the same SoC (Zero 2 W, CM3, CM4, ...): no LED
//!   ([`TakeError::UnknownBoard`]); their wiring differs and is not driven
//!   on a guess.

use super::mailbox::MailboxError;
use super::pin::{Function, Pin, PinError};
use crate::{board, firmware};
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use hw_formats::mailbox::PropertyBuffer;

/// Whether a handle on the firmware-expander LED exists (the expander pin is
/// not a [`Pin`], so it has its own ownership flag).
static EXPANDER_TAKEN: AtomicBool = AtomicBool::new(false);
/// Whether a failed firmware call has been logged.
static FAILURE_LOGGED: AtomicBool = AtomicBool::new(false);

/// Why the LED could not be claimed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeError {
    /// Another handle holds it, or someone holds its GPIO as a [`Pin`].
    InUse,
    /// The firmware reports a board whose LED wiring this kernel does not know.
    UnknownBoard,
}

impl fmt::Display for TakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InUse => f.write_str("in use"),
            Self::UnknownBoard => f.write_str("not known for this board model"),
        }
    }
}

impl core::error::Error for TakeError {}

/// Why the LED could not be set (Pi 3B only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedError {
    /// The mailbox call itself failed (timeout, or an error status).
    Mailbox(MailboxError),
    /// The firmware answered without carrying the request out: an empty
    /// answer (what QEMU gives for this tag, which it does not implement) or
    /// a non-zero status for the pin.
    Refused,
}

impl fmt::Display for LedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mailbox(error) => write!(f, "mailbox call failed: {error:?}"),
            Self::Refused => f.write_str("the firmware did not set its GPIO"),
        }
    }
}

impl core::error::Error for LedError {}

#[derive(Debug)]
enum Wiring {
    /// A SoC GPIO, active high.
    Gpio(Pin),
    /// A pin of the firmware's GPIO expander.
    FirmwareExpander(u32),
}

/// The activity LED, owned (one handle at a time).
///
/// ```ignore
/// let mut led = kernel::drivers::led::ActivityLed::take()?;
/// loop {
///     let _ = led.toggle(); // best effort on the Pi 3B
///     kernel::time::sleep(kernel::time::Duration::from_millis(500)).await;
/// }
/// ```
#[derive(Debug)]
pub struct ActivityLed {
    wiring: Wiring,
    on: bool,
}

impl ActivityLed {
    /// Claims the LED: [`TakeError::InUse`] while another handle exists
    /// (where the LED is a SoC GPIO, also while someone holds that pin as a
    /// [`Pin`]); [`TakeError::UnknownBoard`] on a board whose LED this kernel
    /// does not know.
    pub fn take() -> Result<ActivityLed, TakeError> {
        let wiring = match location().ok_or(TakeError::UnknownBoard)? {
            board::ActivityLed::Gpio(number) => {
                let mut pin = Pin::take(number).map_err(|error| match error {
                    PinError::InUse => TakeError::InUse,
                    PinError::NoSuchPin => TakeError::UnknownBoard,
                })?;
                pin.set_low();
                pin.set_function(Function::Output);
                Wiring::Gpio(pin)
            }
            board::ActivityLed::FirmwareExpander(number) => {
                if EXPANDER_TAKEN.swap(true, Ordering::Acquire) {
                    return Err(TakeError::InUse);
                }
                Wiring::FirmwareExpander(number)
            }
        };
        Ok(ActivityLed { wiring, on: false })
    }

    /// Switches the LED on or off. Fails only on the Pi 3B, when the firmware
    /// does not carry the request out (always in QEMU); the request is
    /// remembered anyway. Task context only (the Pi 3B polls the mailbox).
    pub fn set(&mut self, on: bool) -> Result<(), LedError> {
        self.on = on;
        match &mut self.wiring {
            Wiring::Gpio(pin) => {
                pin.set_level(on);
                Ok(())
            }
            Wiring::FirmwareExpander(number) => set_expander_pin(*number, on).inspect_err(|error| {
                if !FAILURE_LOGGED.swap(true, Ordering::Relaxed) {
                    log::warn!(
                        "activity LED: firmware GPIO {number} not set ({error}); further failures are not logged"
                    );
                }
            }),
        }
    }

    /// Switches the LED to the opposite of the state last asked for.
    pub fn toggle(&mut self) -> Result<(), LedError> {
        self.set(!self.on)
    }

    /// The state last asked for (on the Pi 3B, not necessarily what the LED
    /// shows: the firmware may have refused).
    pub fn is_on(&self) -> bool {
        self.on
    }
}

/// Where this board's LED is, from the model the firmware reported at boot
/// (`None`: a model whose LED this kernel does not know).
pub fn location() -> Option<board::ActivityLed> {
    let model = crate::start::boot_info()
        .and_then(|info| info.firmware.board_revision)
        .and_then(|revision| revision.model());
    board::activity_led(model)
}

/// "Set GPIO state" for expander pin `pin`, checking what the firmware
/// answers: the first word (the pin's status) present and zero. (An unimplemented
/// tag comes back marked as answered but empty, which
/// `firmware::set_expander_gpio` takes for success.)
fn set_expander_pin(pin: u32, on: bool) -> Result<(), LedError> {
    let mut message = PropertyBuffer::new();
    let tag = message
        .push_tag(firmware::TAG_SET_GPIO_STATE, 2, &[pin, on as u32])
        .map_err(|error| LedError::Mailbox(MailboxError::Property(error)))?;
    message.finish();
    firmware::call(&mut message).map_err(LedError::Mailbox)?;
    match message.response(tag) {
        Ok([0, ..]) => Ok(()),
        Ok(_) => Err(LedError::Refused),
        Err(error) => Err(LedError::Mailbox(MailboxError::Property(error))),
    }
}

impl Drop for ActivityLed {
    fn drop(&mut self) {
        // A GPIO pin releases itself when the `Pin` inside is dropped.
        if let Wiring::FirmwareExpander(_) = self.wiring {
            EXPANDER_TAKEN.store(false, Ordering::Release);
        }
    }
}
