//! GPIO: pin function select, pulls, and levels, for the BCM2837 and BCM2711.
//!
//! The two SoCs share the function-select and level registers but set pulls
//! differently: the BCM2837 clocks a pull value into the pins with the
//! GPPUD/GPPUDCLK sequence, the BCM2711 has two bits per pin in
//! GPIO_PUP_PDN_CNTRL_REG0-3 (and the two encode up and down the other way round).
//!
//! Event detection (GPEDS, GPREN, GPFEN, GPHEN, GPLEN) is reached through
//! [`EventRegisters`], the interface of the portable wait logic in
//! `driver_core::gpio_events`; the kernel's `drivers::pin` puts the two together. QEMU
//! models none of the event registers (they read as zero there).
//!
//! Registers hold several pins each, and pins have different owners, so every
//! read-modify-write (function select, BCM2711 pulls, detect enables) and the
//! BCM2837 pull sequence runs with IRQs masked on this core: an interrupt
//! handler (the GPIO event handler disables detectors) cannot interleave. As
//! everywhere in the kernel, one core runs kernel code; a second one will need
//! a spin lock here too.

use crate::Mmio;
use crate::board::{self, PullControl};
use crate::cpu;
use driver_core::gpio_events::{self, Detect, EventRegisters};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_structs! {
    Registers {
        (0x00 => gpfsel: [ReadWrite<u32>; 6]),
        (0x18 => _reserved0),
        (0x1c => gpset: [WriteOnly<u32>; 2]),
        (0x24 => _reserved1),
        (0x28 => gpclr: [WriteOnly<u32>; 2]),
        (0x30 => _reserved2),
        (0x34 => gplev: [ReadOnly<u32>; 2]),
        (0x3c => _reserved3),
        (0x40 => gpeds: [ReadWrite<u32>; 2]),
        (0x48 => _reserved4),
        (0x4c => gpren: [ReadWrite<u32>; 2]),
        (0x54 => _reserved5),
        (0x58 => gpfen: [ReadWrite<u32>; 2]),
        (0x60 => _reserved6),
        (0x64 => gphen: [ReadWrite<u32>; 2]),
        (0x6c => _reserved7),
        (0x70 => gplen: [ReadWrite<u32>; 2]),
        (0x78 => _reserved8),
        (0x94 => gppud: ReadWrite<u32>),
        (0x98 => gppudclk: [ReadWrite<u32>; 2]),
        (0xa0 => _reserved9),
        (0xe4 => pup_pdn_cntrl: [ReadWrite<u32>; 4]),
        (0xf4 => @END),
    }
}

/// Number of GPIO pins on both SoCs (bank 0 and 1).
pub const PIN_COUNT: u32 = 54;

const _: () = assert!(PIN_COUNT == gpio_events::PIN_COUNT);

/// What a pin is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// General-purpose input.
    Input,
    /// General-purpose output.
    Output,
    /// Alternate function 0 (for GPIO 14/15: PL011 UART0 TXD/RXD).
    Alt0,
    /// Alternate function 1.
    Alt1,
    /// Alternate function 2.
    Alt2,
    /// Alternate function 3.
    Alt3,
    /// Alternate function 4.
    Alt4,
    /// Alternate function 5 (for GPIO 14/15: mini UART).
    Alt5,
}

impl Function {
    const fn bits(self) -> u32 {
        match self {
            Self::Input => 0b000,
            Self::Output => 0b001,
            Self::Alt0 => 0b100,
            Self::Alt1 => 0b101,
            Self::Alt2 => 0b110,
            Self::Alt3 => 0b111,
            Self::Alt4 => 0b011,
            Self::Alt5 => 0b010,
        }
    }

    const fn from_bits(bits: u32) -> Self {
        match bits & 0b111 {
            0b000 => Self::Input,
            0b001 => Self::Output,
            0b100 => Self::Alt0,
            0b101 => Self::Alt1,
            0b110 => Self::Alt2,
            0b111 => Self::Alt3,
            0b011 => Self::Alt4,
            _ => Self::Alt5,
        }
    }
}

/// Pull resistor setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pull {
    /// No pull (floating unless driven).
    None,
    /// Pull up to 3.3 V.
    Up,
    /// Pull down to ground.
    Down,
}

/// The GPIO block.
pub struct Gpio {
    registers: Mmio<Registers>,
}

impl Gpio {
    /// A handle on the GPIO block at `base`.
    ///
    /// # Safety
    /// `base` must be the SoC's GPIO register block, mapped as device memory.
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: forwarded from the caller.
        Self { registers: unsafe { Mmio::new(base) } }
    }

    /// Selects what `pin` is connected to. Pins past [`PIN_COUNT`] are ignored.
    pub fn set_function(&self, pin: u32, function: Function) {
        if pin >= PIN_COUNT {
            return;
        }
        let register = &self.registers.gpfsel[(pin / 10) as usize];
        let shift = (pin % 10) * 3;
        let irq = cpu::mask_irqs();
        let value = (register.get() & !(0b111 << shift)) | (function.bits() << shift);
        register.set(value);
        cpu::restore_irqs(irq);
    }

    /// The function `pin` is set to (`Input` for pins past [`PIN_COUNT`]).
    pub fn function(&self, pin: u32) -> Function {
        if pin >= PIN_COUNT {
            return Function::Input;
        }
        let shift = (pin % 10) * 3;
        Function::from_bits(self.registers.gpfsel[(pin / 10) as usize].get() >> shift)
    }

    /// Sets `pin`'s pull resistor, the way this board's SoC wants it.
    pub fn set_pull(&self, pin: u32, pull: Pull) {
        if pin >= PIN_COUNT {
            return;
        }
        match board::GPIO_PULL_CONTROL {
            PullControl::Bcm2837ClockedSequence => self.set_pull_bcm2837(pin, pull),
            PullControl::Bcm2711PerPinBits => self.set_pull_bcm2711(pin, pull),
        }
    }

    fn set_pull_bcm2837(&self, pin: u32, pull: Pull) {
        // GPPUD: 0 off, 1 pull down, 2 pull up. The datasheet asks for 150
        // cycles of set-up and hold around the clock pulse; wait well over that.
        let control = match pull {
            Pull::None => 0,
            Pull::Down => 1,
            Pull::Up => 2,
        };
        let clock = &self.registers.gppudclk[(pin / 32) as usize];
        // GPPUD is one register for all pins: keep the sequence whole (about
        // 4 µs with IRQs masked).
        let irq = cpu::mask_irqs();
        self.registers.gppud.set(control);
        wait_gpio_setup();
        clock.set(1 << (pin % 32));
        wait_gpio_setup();
        self.registers.gppud.set(0);
        clock.set(0);
        cpu::restore_irqs(irq);
    }

    fn set_pull_bcm2711(&self, pin: u32, pull: Pull) {
        // Two bits per pin, 16 pins per register: 0 none, 1 up, 2 down.
        let bits = match pull {
            Pull::None => 0,
            Pull::Up => 1,
            Pull::Down => 2,
        };
        let register = &self.registers.pup_pdn_cntrl[(pin / 16) as usize];
        let shift = (pin % 16) * 2;
        let irq = cpu::mask_irqs();
        register.set((register.get() & !(0b11 << shift)) | (bits << shift));
        cpu::restore_irqs(irq);
    }

    /// `pin`'s pull resistor as the SoC reports it: the BCM2711 keeps it in
    /// GPIO_PUP_PDN_CNTRL; the BCM2837 has no register to read it from (`None`).
    pub fn pull(&self, pin: u32) -> Option<Pull> {
        if pin >= PIN_COUNT || board::GPIO_PULL_CONTROL != PullControl::Bcm2711PerPinBits {
            return None;
        }
        let bits = self.registers.pup_pdn_cntrl[(pin / 16) as usize].get() >> ((pin % 16) * 2);
        match bits & 0b11 {
            0 => Some(Pull::None),
            1 => Some(Pull::Up),
            2 => Some(Pull::Down),
            _ => None,
        }
    }

    /// Drives an output pin high (`true`) or low.
    pub fn write(&self, pin: u32, high: bool) {
        if pin >= PIN_COUNT {
            return;
        }
        let (bank, bit) = ((pin / 32) as usize, 1 << (pin % 32));
        if high {
            self.registers.gpset[bank].set(bit);
        } else {
            self.registers.gpclr[bank].set(bit);
        }
    }

    /// The level on `pin` (GPLEV).
    pub fn read(&self, pin: u32) -> bool {
        if pin >= PIN_COUNT {
            return false;
        }
        self.registers.gplev[(pin / 32) as usize].get() & (1 << (pin % 32)) != 0
    }

    fn detect_register(&self, detect: Detect) -> &[ReadWrite<u32>; 2] {
        match detect {
            Detect::Rising => &self.registers.gpren,
            Detect::Falling => &self.registers.gpfen,
            Detect::High => &self.registers.gphen,
            Detect::Low => &self.registers.gplen,
        }
    }

    /// Whether `detect` is enabled for `pin` (reads GPRENn/GPFENn/GPHENn/GPLENn
    /// back; `false` for pins past [`PIN_COUNT`]). For tests and diagnostics:
    /// QEMU does not model these registers and always reads zero.
    pub fn detect_enabled(&self, pin: u32, detect: Detect) -> bool {
        if pin >= PIN_COUNT {
            return false;
        }
        let register = &self.detect_register(detect)[gpio_events::bank_of(pin)];
        register.get() & gpio_events::bit_of(pin) != 0
    }
}

/// The event-detect registers, for `driver_core::gpio_events::PinEvents`.
/// Pins past [`PIN_COUNT`] are ignored (read low, never enabled).
impl EventRegisters for Gpio {
    fn level(&self, pin: u32) -> bool {
        self.read(pin)
    }

    fn set_detect(&self, pin: u32, detect: Detect, enabled: bool) {
        if pin >= PIN_COUNT {
            return;
        }
        let register = &self.detect_register(detect)[gpio_events::bank_of(pin)];
        let bit = gpio_events::bit_of(pin);
        let irq = cpu::mask_irqs();
        let value = register.get();
        register.set(if enabled { value | bit } else { value & !bit });
        cpu::restore_irqs(irq);
    }

    fn events(&self, bank: usize) -> u32 {
        self.registers.gpeds.get(bank).map_or(0, |register| register.get())
    }

    fn clear_events(&self, bank: usize, mask: u32) {
        if let Some(register) = self.registers.gpeds.get(bank) {
            // Write 1 to clear: bits outside `mask` are written 0 and untouched.
            register.set(mask);
        }
    }
}

/// At least 150 core cycles (BCM2835 peripherals manual, GPPUDCLK): 2 µs is
/// over 1,000 cycles at the Pi's slowest ARM clock.
fn wait_gpio_setup() {
    cpu::spin_for_nanos(2_000);
}
