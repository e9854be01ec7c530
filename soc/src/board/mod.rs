//! Facts about the board an image is built for, chosen at build time with
//! `BSP=rpi3|rpi4` (cargo features `bsp-rpi3` / `bsp-rpi4`): peripheral
//! addresses, pins, clocks, names. Plain constants, usable from the first
//! instruction (the kernel adds its interrupt lines and controller on top, in
//! `kernel::board`).

#[cfg(all(feature = "bsp-rpi3", feature = "bsp-rpi4"))]
compile_error!(
    "choose one board: features `bsp-rpi3` and `bsp-rpi4` are exclusive (BSP=rpi3|rpi4)"
);
#[cfg(not(any(feature = "bsp-rpi3", feature = "bsp-rpi4")))]
compile_error!("choose a board: enable feature `bsp-rpi3` or `bsp-rpi4` (BSP=rpi3|rpi4)");

#[cfg(feature = "bsp-rpi3")]
mod rpi3;
#[cfg(feature = "bsp-rpi3")]
pub use rpi3::*;

#[cfg(all(feature = "bsp-rpi4", not(feature = "bsp-rpi3")))]
mod rpi4;
#[cfg(all(feature = "bsp-rpi4", not(feature = "bsp-rpi3")))]
pub use rpi4::*;

/// How the SoC sets GPIO pull resistors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullControl {
    /// BCM2835/BCM2837: write GPPUD, clock it into pins with GPPUDCLK0/1.
    Bcm2837ClockedSequence,
    /// BCM2711: two bits per pin in GPIO_PUP_PDN_CNTRL_REG0-3.
    Bcm2711PerPinBits,
}

/// Where a board's activity LED is (`activity_led` picks it from the model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityLed {
    /// A SoC GPIO pin, active high (Pi 3B+ and 3A+: GPIO 29; Pi 4: GPIO 42).
    Gpio(u32),
    /// A pin of the firmware-controlled GPIO expander, set through the
    /// mailbox (Pi 3B: expander pin 130, i.e. 128 + 2).
    FirmwareExpander(u32),
}

/// GPIO pin of the console's transmit line (PL011 TXD0 in ALT0).
pub const CONSOLE_TX_PIN: u32 = 14;
/// GPIO pin of the console's receive line (PL011 RXD0 in ALT0).
pub const CONSOLE_RX_PIN: u32 = 15;
/// The PL011's reference clock: what the firmware sets by default
/// (`init_uart_clock=48000000`) and what QEMU models. The mailbox's
/// "get clock rate" answers 3 MHz in QEMU, which is wrong, so it is not asked.
pub const UART_CLOCK_HZ: u32 = 48_000_000;
/// Number of cores.
pub const CORES: usize = 4;

/// PL011 UART0.
pub const PL011_BASE: usize = PERIPHERAL_BASE + 0x20_1000;
/// GPIO.
pub const GPIO_BASE: usize = PERIPHERAL_BASE + 0x20_0000;
/// ARM-to-VideoCore mailbox 0.
pub const MAILBOX_BASE: usize = PERIPHERAL_BASE + 0xb880;
/// System timer (free-running 1 MHz counter).
pub const SYSTEM_TIMER_BASE: usize = PERIPHERAL_BASE + 0x3000;
/// Power management (watchdog, reset).
pub const POWER_MANAGEMENT_BASE: usize = PERIPHERAL_BASE + 0x10_0000;

/// The board's name as `BSP` spells it, stored in every kernel ELF (section
/// `.kernel_board`) so the test runner boots the right QEMU machine.
pub const BSP_NAME_BYTES: [u8; 4] = {
    let name = BSP_NAME.as_bytes();
    [name[0], name[1], name[2], name[3]]
};
