//! Talking to the VideoCore firmware after boot: property calls through the
//! mailbox, one at a time.
//!
//! Calls take a spin lock (not an IRQ-safe one: a call polls for up to
//! 100 ms and must not hold IRQs off that long), so they are for task
//! context only — never from an interrupt handler.

use crate::board;
use crate::drivers::mailbox::{Mailbox, MailboxError};
use hw_formats::mailbox::PropertyBuffer;

// SAFETY: the board names the mailbox; boot's own handle is gone by the time
// tasks run, and this lock serialises every later call.
static MAILBOX: spin::mutex::SpinMutex<Mailbox> =
    spin::mutex::SpinMutex::new(unsafe { Mailbox::new(board::MAILBOX_BASE) });

/// Tag: set the state of a firmware-controlled GPIO (request: pin, state).
pub const TAG_SET_GPIO_STATE: u32 = 0x0003_8041;

/// Sends a finished property message and waits for the answer (task context only).
pub fn call(message: &mut PropertyBuffer) -> Result<(), MailboxError> {
    MAILBOX.lock().call(message)
}

/// Sets a pin of the firmware's GPIO expander (e.g. the Pi 3B's activity LED,
/// expander pin 130). QEMU does not implement this tag (it answers with an
/// empty response), so this returns an error there.
pub fn set_expander_gpio(pin: u32, high: bool) -> Result<(), MailboxError> {
    let mut message = PropertyBuffer::new();
    let tag = message
        .push_tag(TAG_SET_GPIO_STATE, 2, &[pin, high as u32])
        .map_err(MailboxError::Property)?;
    message.finish();
    call(&mut message)?;
    // The firmware answers with a status word, 0 for success. QEMU answers
    // tags it does not implement with an empty response: not a success.
    match message.response(tag).map_err(MailboxError::Property)? {
        [0, ..] => Ok(()),
        _ => Err(MailboxError::Property(hw_formats::mailbox::PropertyError::TagNotAnswered)),
    }
}
