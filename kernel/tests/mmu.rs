//! The identity map gives every region the permissions and memory type
//! docs/boot.md promises. Translations and memory types are checked with the
//! hardware's own address translation (the AT instruction and PAR_EL1), not by
//! reading back the kernel's tables.
#![no_std]
#![no_main]

use kernel::arch::mmu::{self, Access, Translation};
use kernel::board;
use kernel::mem::layout;

kernel::test_kernel!(
    mmu_and_caches_are_on,
    kernel_text_is_read_only,
    rodata_is_read_only,
    data_bss_and_stacks_are_writable_write_back_ram,
    guard_pages_and_null_page_fault,
    peripherals_are_device_memory,
    ram_ends_where_the_firmware_said,
    no_page_is_both_writable_and_executable,
    atomics_work_with_the_mmu_on,
);

/// MAIR encodings the hardware reports in PAR_EL1.ATTR.
const NORMAL_WRITE_BACK: u8 = 0xff;
const DEVICE_NGNRE: u8 = 0x04;

fn identity(address: u64, attributes: u8) -> Option<Translation> {
    Some(Translation { physical: address, attributes })
}

fn mmu_and_caches_are_on() {
    assert!(mmu::is_enabled());
    assert!(mmu::caches_enabled());
}

fn kernel_text_is_read_only() {
    let text = layout::text();
    assert_eq!(text.start, 0x80000);
    for address in [text.start, text.end - 8] {
        assert_eq!(mmu::translate(address, Access::Read), identity(address, NORMAL_WRITE_BACK));
        assert_eq!(mmu::translate(address, Access::Write), None, "text writable at {address:#x}");
        assert!(mmu::is_executable(address));
    }
}

fn rodata_is_read_only() {
    static CONSTANT: u64 = 0x1234;
    let address = &CONSTANT as *const u64 as u64;
    assert!(layout::rodata().contains(&address));
    assert_eq!(mmu::translate(address, Access::Write), None);
    assert_eq!(mmu::translate(address, Access::Read), identity(address, NORMAL_WRITE_BACK));
    assert!(!mmu::is_executable(address));
}

fn data_bss_and_stacks_are_writable_write_back_ram() {
    let local = 0u64;
    let stack_address = &local as *const u64 as u64;
    assert!(layout::kernel_stack().contains(&stack_address));
    for address in [
        layout::data_and_bss().start,
        layout::bss().start,
        stack_address,
        layout::exception_stack().start,
        layout::kernel_image().end, // first heap page
    ] {
        assert_eq!(mmu::translate(address, Access::Write), identity(address, NORMAL_WRITE_BACK));
        assert!(!mmu::is_executable(address), "executable at {address:#x}");
    }
}

fn guard_pages_and_null_page_fault() {
    for range in
        [layout::kernel_stack_guard(), layout::exception_stack_guard(), layout::null_page()]
    {
        for address in [range.start, range.end - 8] {
            assert_eq!(mmu::translate(address, Access::Read), None, "{address:#x} readable");
        }
    }
}

fn peripherals_are_device_memory() {
    for address in [board::PL011_BASE, board::GPIO_BASE, board::MAILBOX_BASE] {
        let address = address as u64;
        assert_eq!(mmu::translate(address, Access::Write), identity(address, DEVICE_NGNRE));
        assert!(!mmu::is_executable(address));
    }
}

fn ram_ends_where_the_firmware_said() {
    let ram_end = kernel::start::boot_info().unwrap().ram_end;
    let last = ram_end - 8;
    assert_eq!(mmu::translate(last, Access::Write), identity(last, NORMAL_WRITE_BACK));
    assert_eq!(mmu::translate(ram_end, Access::Read), None);
    assert_eq!(mmu::translate(0xdead_0000, Access::Read), None);
}

fn no_page_is_both_writable_and_executable() {
    // Every page of the first 2 MiB and every 2 MiB block above: if the
    // hardware lets EL1 write it, it must not be executable.
    let mut address = 0u64;
    while address < 0x1_0000_0000 {
        if mmu::translate(address, Access::Write).is_some() {
            assert!(!mmu::is_executable(address), "W+X at {address:#x}");
        }
        address += if address < 0x20_0000 { 0x1000 } else { 0x20_0000 };
    }
}

fn atomics_work_with_the_mmu_on() {
    use core::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    for _ in 0..100 {
        COUNTER.fetch_add(1, Ordering::SeqCst);
    }
    assert_eq!(COUNTER.compare_exchange(100, 7, Ordering::SeqCst, Ordering::SeqCst), Ok(100));
    assert_eq!(COUNTER.load(Ordering::SeqCst), 7);
}
