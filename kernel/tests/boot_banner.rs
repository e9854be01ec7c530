//! The boot banner names the board (from the mailbox's board revision), the
//! exception level at entry, the RAM size, the timer frequency read from
//! CNTFRQ_EL0 and the time boot took. `make test` boots it at QEMU's 62.5 MHz
//! and at the boards' own 19.2 MHz (Pi 3) and 54 MHz (Pi 4).
#![no_std]
#![no_main]

use kernel::arch::{cpu, mmu};
use kernel::start;

/// The console script, with the first line naming the board.
macro_rules! banner_spec {
    ($board_line:literal) => {
        kernel::test_spec!(
            $board_line,
            "expect entry     EL2, now EL1 with MMU and caches on",
            "expect RAM       960 MiB for the ARM at 0x0 (mailbox)",
            "expect timer     {counter_hz} Hz (CNTFRQ_EL0)",
            "expect heap      9",
            "expect  KiB at 0x",
            "expect boot took ",
            "expect  ms (kernel entry to this line)",
        );
    };
}

#[cfg(feature = "bsp-rpi4")]
banner_spec!("expect on Raspberry Pi 4 Model B (BCM2711, board revision 0x");
#[cfg(feature = "bsp-rpi3")]
banner_spec!("expect on Raspberry Pi 3 Model B (BCM2837, board revision 0x");

kernel::test_kernel!(
    boot_info_records_entry_at_el2,
    firmware_answered_the_mailbox,
    kernel_runs_at_el1_with_mmu_on,
    uptime_advances,
);

fn boot_info_records_entry_at_el2() {
    let info = start::boot_info().expect("boot info is set before main");
    assert_eq!(info.entry_el, 2, "QEMU's raw-image boot enters at EL2");
    assert!(info.entry_counter > 0);
}

fn firmware_answered_the_mailbox() {
    let info = start::boot_info().unwrap();
    let revision = info.firmware.board_revision.expect("board revision");
    assert_eq!(revision.soc(), Some(kernel::board::SOC));
    let (base, size) = info.firmware.arm_memory.expect("ARM memory");
    assert_eq!(base, 0);
    assert!(size >= 256 << 20, "at least 256 MiB, got {size:#x}");
    assert_eq!(info.ram_end, size as u64 & !0x1f_ffff);
    assert!(info.firmware.vc_memory.is_some());
}

fn kernel_runs_at_el1_with_mmu_on() {
    assert_eq!(cpu::current_el(), 1);
    assert!(mmu::is_enabled());
    assert!(mmu::caches_enabled());
    assert_eq!(cpu::core_id(), 0);
}

fn uptime_advances() {
    let a = start::uptime();
    let start = cpu::counter();
    while cpu::counter() - start < cpu::counter_frequency() / 1000 {}
    let b = start::uptime();
    assert!(b > a, "{b:?} <= {a:?}");
    assert!(b - a >= core::time::Duration::from_millis(1));
}
