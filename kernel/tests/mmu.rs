//! The identity map gives every region the permissions docs/boot.md promises,
//! checked with the hardware's own address translation (AT instructions).
#![no_std]
#![no_main]

use hw_formats::paging::Mapping;
use kernel::arch::mmu::{self, Access};
use kernel::board;
use kernel::mem::layout;

kernel::test_kernel!(
    mmu_and_caches_are_on,
    kernel_text_is_read_only_and_executable,
    rodata_is_read_only,
    data_bss_and_stacks_are_writable_and_never_executable,
    guard_pages_and_null_page_fault,
    peripherals_are_device_memory,
    ram_ends_where_the_firmware_said,
    no_mapping_is_writable_and_executable,
    atomics_work_with_the_mmu_on,
);

fn mmu_and_caches_are_on() {
    assert!(mmu::is_enabled());
    assert!(mmu::caches_enabled());
}

fn kernel_text_is_read_only_and_executable() {
    let text = layout::text();
    assert_eq!(text.start, 0x80000);
    for address in [text.start, text.end - 8] {
        assert_eq!(mmu::lookup(address), Some(Mapping::KERNEL_TEXT));
        assert_eq!(mmu::translate(address, Access::Read), Some(address));
        assert_eq!(mmu::translate(address, Access::Write), None, "text writable at {address:#x}");
    }
}

fn rodata_is_read_only() {
    static CONSTANT: u64 = 0x1234;
    let address = &CONSTANT as *const u64 as u64;
    assert!(layout::rodata().contains(&address));
    assert_eq!(mmu::lookup(address), Some(Mapping::READ_ONLY));
    assert_eq!(mmu::translate(address, Access::Write), None);
    assert!(mmu::translate(address, Access::Read).is_some());
}

fn data_bss_and_stacks_are_writable_and_never_executable() {
    let local = 0u64;
    let stack_address = &local as *const u64 as u64;
    assert!(layout::kernel_stack().contains(&stack_address));
    for address in [
        layout::data_and_bss().start,
        layout::bss().start,
        stack_address,
        layout::exception_stack().start,
    ] {
        assert_eq!(mmu::lookup(address), Some(Mapping::READ_WRITE), "at {address:#x}");
        assert_eq!(mmu::translate(address, Access::Write), Some(address));
    }
}

fn guard_pages_and_null_page_fault() {
    for range in
        [layout::kernel_stack_guard(), layout::exception_stack_guard(), layout::null_page()]
    {
        for address in [range.start, range.end - 8] {
            assert_eq!(mmu::lookup(address), None);
            assert_eq!(mmu::translate(address, Access::Read), None, "{address:#x} readable");
        }
    }
}

fn peripherals_are_device_memory() {
    for address in [board::PL011_BASE, board::GPIO_BASE, board::MAILBOX_BASE] {
        assert_eq!(mmu::lookup(address as u64), Some(Mapping::DEVICE));
        assert_eq!(mmu::translate(address as u64, Access::Write), Some(address as u64));
    }
}

fn ram_ends_where_the_firmware_said() {
    let ram_end = kernel::start::boot_info().unwrap().ram_end;
    assert_eq!(mmu::translate(ram_end - 8, Access::Write), Some(ram_end - 8));
    assert_eq!(mmu::translate(ram_end, Access::Read), None);
    assert_eq!(mmu::translate(0xdead_0000, Access::Read), None);
}

fn no_mapping_is_writable_and_executable() {
    let mut address = 0u64;
    while address < 0x1_0000_0000 {
        if let Some(m) = mmu::lookup(address) {
            assert!(!(m.writable && m.executable), "W+X at {address:#x}");
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
