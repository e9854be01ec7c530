//! The Pi 3's interrupt controllers: the BCM2836 per-core local controller
//! (ARM-side, at 0x4000_0000) in front of the BCM2835 legacy controller (the
//! "GPU" interrupts of the peripherals, at peripheral base + 0xB200).
//!
//! One numbering covers both, so the kernel sees a single set of lines:
//!
//! | lines   | source                                                    |
//! |---------|-----------------------------------------------------------|
//! | 0-63    | legacy GPU interrupts (pending 1/2): UART0 is 57          |
//! | 64-71   | legacy "basic" ARM interrupts (ARM timer, doorbells, ...)  |
//! | 96-107  | local per-core sources: 96 CNTPS, 97 CNTPNS (the EL1 physical timer), 98 CNTHP, 99 CNTV, 100-103 mailboxes 0-3, 105 PMU |
//!
//! The legacy controller's output reaches core 0 as local source 8 ("GPU"),
//! which stays enabled; its pending registers show only enabled sources.
//! Every source is level-triggered and cleared at the device, so there is no
//! end-of-interrupt step.

use super::Mmio;
use crate::arch::cpu;
use crate::irq::{InterruptController, IrqLine};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_structs! {
    LocalRegisters {
        (0x00 => control: ReadWrite<u32>),
        (0x04 => _reserved0),
        (0x0c => gpu_interrupt_routing: ReadWrite<u32>),
        (0x10 => _reserved1),
        (0x40 => timer_interrupt_control: [ReadWrite<u32>; 4]),
        (0x50 => mailbox_interrupt_control: [ReadWrite<u32>; 4]),
        (0x60 => irq_source: [ReadOnly<u32>; 4]),
        (0x70 => @END),
    },
    LegacyRegisters {
        (0x00 => basic_pending: ReadOnly<u32>),
        (0x04 => pending: [ReadOnly<u32>; 2]),
        (0x0c => fiq_control: ReadWrite<u32>),
        (0x10 => enable: [WriteOnly<u32>; 2]),
        (0x18 => enable_basic: WriteOnly<u32>),
        (0x1c => disable: [WriteOnly<u32>; 2]),
        (0x24 => disable_basic: WriteOnly<u32>),
        (0x28 => @END),
    }
}

/// First line number of the legacy "basic" ARM interrupts.
pub const FIRST_BASIC_LINE: u16 = 64;
/// First line number of the local per-core sources.
pub const FIRST_LOCAL_LINE: u16 = 96;
/// Local source numbers 0-3: the four generic-timer interrupts.
const LOCAL_TIMERS: core::ops::Range<u16> = 0..4;
/// Local source numbers 4-7: the four mailboxes.
const LOCAL_MAILBOXES: core::ops::Range<u16> = 4..8;
/// Local source 8: the legacy controller's output.
const LOCAL_GPU: u32 = 8;
/// Local source 11 is the highest (local timer).
const LOCAL_SOURCES: u16 = 12;

/// The combined Pi 3 interrupt controller.
pub struct Bcm2836Intc {
    local: Mmio<LocalRegisters>,
    legacy: Mmio<LegacyRegisters>,
}

impl Bcm2836Intc {
    /// A handle on the local controller at `local` and the legacy one at `legacy`.
    ///
    /// # Safety
    /// The addresses must be those two register blocks.
    pub const unsafe fn new(local: usize, legacy: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { Self { local: Mmio::new(local), legacy: Mmio::new(legacy) } }
    }

    /// Enables or disables one line; the legacy controller has separate
    /// write-1-to-set enable and disable registers.
    fn set_line(&self, line: IrqLine, enabled: bool) {
        let n = line.number();
        let legacy = &*self.legacy;
        let (banks, basic) = if enabled {
            (&legacy.enable, &legacy.enable_basic)
        } else {
            (&legacy.disable, &legacy.disable_basic)
        };
        match n {
            0..=63 => banks[(n / 32) as usize].set(1 << (n % 32)),
            64..=71 => basic.set(1 << (n - FIRST_BASIC_LINE)),
            96.. => self.set_local(n - FIRST_LOCAL_LINE, enabled),
            _ => {}
        }
    }

    fn set_local(&self, source: u16, enabled: bool) {
        // A read-modify-write shared with the IRQ path (which disables lines
        // that fire without a handler): keep IRQs off across it.
        let irq_state = cpu::mask_irqs();
        let core = cpu::core_id() & 3;
        let (register, bit) = if LOCAL_TIMERS.contains(&source) {
            (&self.local.timer_interrupt_control[core], source)
        } else if LOCAL_MAILBOXES.contains(&source) {
            (&self.local.mailbox_interrupt_control[core], source - LOCAL_MAILBOXES.start)
        } else {
            // GPU (the legacy cascade, always on), PMU, AXI and the local
            // timer are not switched here; the kernel never enables the last three.
            cpu::restore_irqs(irq_state);
            return;
        };
        let value = register.get();
        register.set(if enabled { value | 1 << bit } else { value & !(1 << bit) });
        cpu::restore_irqs(irq_state);
    }
}

impl InterruptController for Bcm2836Intc {
    const LINES: usize = (FIRST_LOCAL_LINE + LOCAL_SOURCES) as usize;

    fn init(&self) {
        let legacy = &*self.legacy;
        legacy.fiq_control.set(0);
        legacy.disable[0].set(u32::MAX);
        legacy.disable[1].set(u32::MAX);
        legacy.disable_basic.set(u32::MAX);
        let local = &*self.local;
        // Legacy (GPU) IRQs to core 0.
        local.gpu_interrupt_routing.set(0);
        for core in 0..4 {
            local.timer_interrupt_control[core].set(0);
            local.mailbox_interrupt_control[core].set(0);
        }
    }

    fn enable(&self, line: IrqLine) {
        self.set_line(line, true);
    }

    fn disable(&self, line: IrqLine) {
        self.set_line(line, false);
    }

    fn dispatch(&self, mut handle: impl FnMut(IrqLine)) {
        let core = cpu::core_id() & 3;
        let sources = self.local.irq_source[core].get();
        for source in 0..LOCAL_SOURCES {
            if source as u32 != LOCAL_GPU && sources & (1 << source) != 0 {
                handle(IrqLine::new(FIRST_LOCAL_LINE + source));
            }
        }
        if sources & (1 << LOCAL_GPU) == 0 {
            return;
        }
        let basic = self.legacy.basic_pending.get();
        for bit in 0..8u16 {
            if basic & (1 << bit) != 0 {
                handle(IrqLine::new(FIRST_BASIC_LINE + bit));
            }
        }
        for bank in 0..2u16 {
            let mut pending = self.legacy.pending[bank as usize].get();
            while pending != 0 {
                let bit = pending.trailing_zeros() as u16;
                pending &= pending - 1;
                handle(IrqLine::new(bank * 32 + bit));
            }
        }
    }
}
