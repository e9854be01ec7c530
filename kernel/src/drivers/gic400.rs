//! Arm GIC-400 (GICv2) interrupt controller, as on the BCM2711 (Pi 4).
//!
//! Line numbers are GIC interrupt IDs: 0-15 SGIs, 16-31 PPIs (per core: the
//! EL1 physical timer is 30), 32 and up SPIs (the BCM2711's peripheral
//! interrupts; UART0 is 153). With `enable_gic=1` (the Pi 4 default) the
//! firmware puts every interrupt in group 1 for the non-secure kernel; QEMU's
//! model has no security extensions. The distributor routes every SPI to core 0.
//!
//! The Pi 4's GIC has the security extensions: a non-secure kernel sees
//! only 16 priority levels (a non-secure 0xa0 is 0xd0 in the secure view), and if the firmware
//! left the interrupts in secure group 0 (no `enable_gic=1`, or an `armstub`
//! that skips it) every write to them is ignored and they read as zero. `init`
//! checks for that and stops with a message naming the setting, instead of
//! booting into a kernel that never gets an interrupt.

use super::Mmio;
use crate::irq::{InterruptController, IrqLine};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_structs! {
    DistributorRegisters {
        (0x000 => ctlr: ReadWrite<u32>),
        (0x004 => typer: ReadOnly<u32>),
        (0x008 => _reserved0),
        (0x100 => isenabler: [ReadWrite<u32>; 32]),
        (0x180 => icenabler: [ReadWrite<u32>; 32]),
        (0x200 => _reserved1),
        (0x280 => icpendr: [ReadWrite<u32>; 32]),
        (0x300 => _reserved2),
        (0x400 => ipriorityr: [ReadWrite<u32>; 255]),
        (0x7fc => _reserved3),
        (0x800 => itargetsr: [ReadWrite<u32>; 255]),
        (0xbfc => _reserved4),
        (0xc00 => icfgr: [ReadWrite<u32>; 64]),
        (0xd00 => @END),
    },
    CpuInterfaceRegisters {
        (0x00 => ctlr: ReadWrite<u32>),
        (0x04 => pmr: ReadWrite<u32>),
        (0x08 => bpr: ReadWrite<u32>),
        (0x0c => iar: ReadOnly<u32>),
        (0x10 => eoir: WriteOnly<u32>),
        (0x14 => @END),
    }
}

/// Interrupt IDs from here on are special (1023: none pending).
const FIRST_SPECIAL_ID: u32 = 1020;
/// Priority given to every line (lower is more urgent; all equal, no nesting).
const DEFAULT_PRIORITY: u32 = 0xa0;
/// The EL1 physical timer's interrupt (a PPI), the one the kernel needs most.
const EL1_PHYSICAL_TIMER: usize = 30;
/// IDs of the first shared peripheral interrupt.
const FIRST_SPI: usize = 32;

/// The GIC-400's distributor and this core's CPU interface.
pub struct Gic400 {
    distributor: Mmio<DistributorRegisters>,
    cpu_interface: Mmio<CpuInterfaceRegisters>,
}

impl Gic400 {
    /// A handle on the GIC with distributor at `gicd` and CPU interface at `gicc`.
    ///
    /// # Safety
    /// The addresses must be the GIC-400's distributor and CPU interface.
    pub const unsafe fn new(gicd: usize, gicc: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { Self { distributor: Mmio::new(gicd), cpu_interface: Mmio::new(gicc) } }
    }

    fn implemented_lines(&self) -> usize {
        (((self.distributor.typer.get() & 0x1f) as usize) + 1) * 32
    }
}

impl InterruptController for Gic400 {
    const LINES: usize = 1020;

    fn init(&self) {
        let d = &*self.distributor;
        let lines = self.implemented_lines().min(Self::LINES);
        d.ctlr.set(0);
        for word in 0..lines / 32 {
            d.icenabler[word].set(u32::MAX);
            d.icpendr[word].set(u32::MAX);
        }
        let priority_byte = DEFAULT_PRIORITY;
        let priorities = priority_byte * 0x0101_0101;
        for word in 0..lines / 4 {
            d.ipriorityr[word].set(priorities);
        }
        // Any priority reads back non-zero unless the line is secure.
        if d.ipriorityr[EL1_PHYSICAL_TIMER / 4].get() == 0 {
            panic!(
                "GIC-400: the interrupts are still secure (group 0) and ignore the kernel; \
                 set enable_gic=1 in config.txt"
            );
        }
        // SPIs: to core 0, level-sensitive (the BCM2711's peripherals hold
        // their lines until serviced). SGI/PPI targets are fixed by hardware.
        for word in FIRST_SPI / 4..lines / 4 {
            d.itargetsr[word].set(0x0101_0101);
        }
        for word in FIRST_SPI / 16..lines / 16 {
            d.icfgr[word].set(0);
        }
        d.ctlr.set(1);

        let c = &*self.cpu_interface;
        c.pmr.set(0xff);
        c.bpr.set(0);
        c.ctlr.set(1);
    }

    fn enable(&self, line: IrqLine) {
        let id = line.number() as usize;
        self.distributor.isenabler[id / 32].set(1 << (id % 32));
    }

    fn disable(&self, line: IrqLine) {
        let id = line.number() as usize;
        self.distributor.icenabler[id / 32].set(1 << (id % 32));
    }

    fn dispatch(&self, mut handle: impl FnMut(IrqLine)) {
        loop {
            let iar = self.cpu_interface.iar.get();
            let id = iar & 0x3ff;
            if id >= FIRST_SPECIAL_ID {
                break;
            }
            handle(IrqLine::new(id as u16));
            self.cpu_interface.eoir.set(iar);
        }
    }
}
