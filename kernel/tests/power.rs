//! Reboot and power-off through the PM watchdog: the runner asks for a reboot,
//! sees the kernel boot a second time, then asks for power-off, which must end
//! QEMU with status 0.
#![no_std]
#![no_main]

use kernel::arch::timer;
use kernel::{console, power, println};

kernel::test_spec!(
    "timeout 60",
    "expect power test: send r to reboot, p to power off",
    "send r",
    "expect rebooting",
    "expect entry     EL2, now EL1",
    "expect power test: send r to reboot, p to power off",
    "send p",
    "expect powering off",
);
kernel::test_main!(main);

fn main() -> ! {
    println!("power test: send r to reboot, p to power off");
    let start = timer::now();
    loop {
        match console::read_byte() {
            Some(b'r') => power::reboot(),
            Some(b'p') => power::power_off(),
            Some(other) => println!("ignoring {other:#04x}"),
            None => {}
        }
        if timer::now() - start > timer::frequency() * 30 {
            panic!("no command within 30 s");
        }
        core::hint::spin_loop();
    }
}
