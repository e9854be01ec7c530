//! Boot invariant, checked on the executed-instruction trace: no exclusive
//! load/store or atomic instruction runs before the MMU is on (on a real Pi
//! they hang or fault with the MMU off; QEMU accepts them, so only a trace can
//! tell). The runner traces this kernel's whole run (`check atomics-after-mmu`).
//! The same trace shows that `console::init` ran before the MMU went on, so a
//! crash report from the MMU-off phase would reach the header pins.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

kernel::test_spec!("check atomics-after-mmu");
kernel::test_kernel!(an_atomic_runs_after_boot);

fn an_atomic_runs_after_boot() {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    assert_eq!(COUNTER.fetch_add(1, Ordering::SeqCst), 0);
}
