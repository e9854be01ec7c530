//! Cores 1-3 leave the firmware's spin table for the kernel's own WFI park
//! loop (`park_core` in boot/src/entry.s), released through the spin table
//! the way the Pi firmware's stub expects. Each records its arrival there
//! (with its caches off); core 0 reads the records after invalidating their
//! cache line, as it must on a board.
#![no_std]
#![no_main]

use kernel::arch::cpu;
use kernel::time::{Duration, Instant};

kernel::test_kernel!(cores_one_to_three_reach_the_park_loop);

fn cores_one_to_three_reach_the_park_loop() {
    assert_eq!(cpu::core_id(), 0, "the kernel runs on core 0");
    let start = Instant::now();
    // They get there within microseconds; the bound only stops a hang.
    while cpu::parked_cores() != [false, true, true, true] {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "parked after 2 s: {:?} (core 0 first)",
            cpu::parked_cores()
        );
        core::hint::spin_loop();
    }
}
