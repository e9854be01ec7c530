//! Reboot and power-off, through the power-management watchdog.
//!
//! In QEMU, [`power_off`] ends the emulator with status 0 and [`reboot`]
//! restarts the machine (or ends QEMU with status 0 under `-no-reboot`). On a
//! real Pi, power-off leaves the board halted in the firmware until it is
//! power-cycled.

use crate::arch::cpu;
use crate::board;
use crate::console;
use crate::drivers::power::PowerManagement;

/// Restarts the board.
pub fn reboot() -> ! {
    shut_down("rebooting", PowerManagement::request_reset)
}

/// Halts the board for good (QEMU exits with status 0).
pub fn power_off() -> ! {
    shut_down("powering off", PowerManagement::request_power_off)
}

fn shut_down(announcement: &str, request: fn(&PowerManagement)) -> ! {
    crate::println!("{announcement}");
    console::flush_unlocked();
    let _ = cpu::mask_irqs();
    // SAFETY: the board module names the PM block; this path never returns, so
    // no other user of the block runs afterwards.
    request(&unsafe { PowerManagement::new(board::POWER_MANAGEMENT_BASE) });
    cpu::halt()
}
