//! An idle system sleeps in WFI: during a second with nothing to do, QEMU uses
//! almost no host CPU, the executor counts the second as idle, and nothing is
//! polled but the sleeping task.
#![no_std]
#![no_main]

use kernel::executor::{block_on, stats};
use kernel::time::{Duration, sleep};
use kernel::{println, testing};

kernel::test_spec!(
    "expect idle second begins",
    "cpu-mark",
    "expect idle second ends",
    "cpu-below 300",
    "expect idle check passed",
);
kernel::test_main!(main);

fn main() -> ! {
    block_on(async {
        sleep(Duration::from_millis(10)).await; // settle
        let before = stats();
        println!("idle second begins");
        sleep(Duration::from_secs(1)).await;
        let after = stats();
        println!("idle second ends");
        let idle = after.idle - before.idle;
        let polls = after.polls - before.polls;
        println!("idle {} ms of 1000, {polls} polls", idle.as_millis());
        assert!(idle >= Duration::from_millis(990), "only {idle:?} of the second was idle");
        assert!(polls <= 2, "{polls} polls during an idle second");
        println!("idle check passed");
    });
    testing::exit_qemu(testing::EXIT_SUCCESS)
}
