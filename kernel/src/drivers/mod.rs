//! Device drivers: register-level access to the SoC's peripherals.
//!
//! Each driver owns one register block, whose address comes from [`crate::board`].
//! The PL011 and GPIO drivers live in the `soc` crate (the chainloader uses
//! them too) and are re-exported here.
//! Constructors are `unsafe` because the caller vouches that the address really
//! is that device; after that, every method is safe.

pub mod bcm2836_intc;
pub mod gic400;
pub use soc::gpio;
pub mod led;
pub mod mailbox;
pub mod pin;
pub use soc::pl011;
pub mod power;
pub mod uart;

pub(crate) use soc::Mmio;
