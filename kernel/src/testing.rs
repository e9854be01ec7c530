//! The in-kernel test harness: what the test kernels under `kernel/tests/` use.
//!
//! A test kernel is a separate binary booted in QEMU by `tools/qemu-runner`.
//! [`test_kernel!`](crate::test_kernel) runs its test functions in order,
//! printing `test NAME ... ok` like libtest, and ends QEMU with status 0; a
//! failing assertion panics, and the panic report ends QEMU with status 101.
//! [`test_main!`](crate::test_main) is for kernels that drive their own flow
//! (console-driven tests). [`test_spec!`](crate::test_spec) tells the runner
//! what to send and expect on the console and which exit status means success;
//! docs/testing.md lists its directives.

use crate::arch::semihosting;
use crate::console;

/// A test function and its name.
pub struct TestCase {
    /// Name printed in `test NAME ... ok`.
    pub name: &'static str,
    /// The test; it passes by returning and fails by panicking.
    pub run: fn(),
}

/// Exit status of a test kernel whose tests all passed.
pub const EXIT_SUCCESS: u32 = 0;

/// Runs `tests` in order and ends QEMU with status 0 if all return.
pub fn run(tests: &[TestCase]) -> ! {
    crate::println!("running {} test{}", tests.len(), if tests.len() == 1 { "" } else { "s" });
    for test in tests {
        crate::print!("test {} ... ", test.name);
        (test.run)();
        crate::println!("ok");
    }
    crate::println!("\ntest result: ok. {} passed; 0 failed", tests.len());
    exit_qemu(EXIT_SUCCESS)
}

/// Ends QEMU with `code` as its exit status, after the console has drained.
pub fn exit_qemu(code: u32) -> ! {
    console::flush_unlocked();
    semihosting::exit(code)
}

/// Copies a spec string into a fixed-size array for the `.kernel_test_spec` section.
#[doc(hidden)]
pub const fn spec_bytes<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Defines what every kernel binary must: the entry point `__kernel_main`
/// (calling `$main: fn() -> !`), the test/normal flag, the board tag, and the
/// function start-up calls in its MMU-off phase (none but in a test kernel).
#[doc(hidden)]
#[macro_export]
macro_rules! __kernel_entry {
    ($main:path, $is_test:expr) => {
        $crate::__kernel_entry!($main, $is_test, None);
    };
    ($main:path, $is_test:expr, $before_mmu:expr) => {
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        pub static __KERNEL_BEFORE_MMU: Option<fn()> = $before_mmu;

        #[doc(hidden)]
        #[unsafe(no_mangle)]
        pub extern "Rust" fn __kernel_main() -> ! {
            let main: fn() -> ! = $main;
            main()
        }

        #[doc(hidden)]
        #[unsafe(no_mangle)]
        pub static __KERNEL_IS_TEST: bool = $is_test;

        #[doc(hidden)]
        #[unsafe(link_section = ".kernel_board")]
        #[used]
        static __KERNEL_BOARD: [u8; 4] = $crate::board::BSP_NAME_BYTES;
    };
}

/// Declares a test kernel that runs the given test functions (`fn()`) in order.
///
/// ```ignore
/// #![no_std]
/// #![no_main]
/// kernel::test_kernel!(allocates, frees);
/// fn allocates() { /* assert!(...) */ }
/// fn frees() {}
/// ```
#[macro_export]
macro_rules! test_kernel {
    ($($test:path),* $(,)?) => {
        fn __run_tests() -> ! {
            $crate::testing::run(&[
                $($crate::testing::TestCase { name: stringify!($test), run: $test }),*
            ])
        }
        $crate::__kernel_entry!(__run_tests, true);
        $crate::test_spec!(@marker "kernel-test harness");
    };
}

/// Declares a test kernel with its own main function (`fn() -> !`), which ends
/// QEMU itself (see [`exit_qemu`]). With `before_mmu = f`, start-up also
/// calls `f` right after setting up the console, in the MMU-off phase, where
/// it must take no lock and touch no atomic (for tests of that phase).
#[macro_export]
macro_rules! test_main {
    ($main:path) => {
        $crate::__kernel_entry!($main, true);
        $crate::test_spec!(@marker "kernel-test custom");
    };
    ($main:path, before_mmu = $before_mmu:path) => {
        $crate::__kernel_entry!($main, true, Some($before_mmu));
        $crate::test_spec!(@marker "kernel-test custom");
    };
}

/// Tells the test runner how to drive and judge this test kernel: one
/// directive per string (see docs/testing.md), e.g.
/// `test_spec!("exit 102", "expect *** KERNEL CRASH", "send hello\\r")`.
#[macro_export]
macro_rules! test_spec {
    (@marker $line:expr) => {
        const _: () = {
            const TEXT: &str = concat!($line, "\n");
            #[unsafe(link_section = ".kernel_test_spec")]
            #[used]
            static MARKER: [u8; TEXT.len()] = $crate::testing::spec_bytes(TEXT);
        };
    };
    ($($line:expr),+ $(,)?) => {
        const _: () = {
            const TEXT: &str = concat!($($line, "\n"),+);
            #[unsafe(link_section = ".kernel_test_spec")]
            #[used]
            static SPEC: [u8; TEXT.len()] = $crate::testing::spec_bytes(TEXT);
        };
    };
}
