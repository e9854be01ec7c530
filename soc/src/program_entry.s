// Entry of the programs that run before the kernel and then start it: the
// chainloader and the decompressor of a packed kernel8.img (feature
// `program-entry` of the soc crate; layout in soc/program.ld). The firmware
// (or QEMU, or the chainloader) put the raw image at 0x80000 and jumped here
// with x0 = the device tree's address (or 0x100) and x1-x3 = 0, at EL2 on a
// Pi. The program keeps that state for the kernel it will start: same
// exception level, MMU and caches off, x0 passed on, and cores 1-3 left
// waiting in the firmware's spin table.
//
// Until `program_main(boot_argument, loaded_at)`:
//   x19  x0 from the firmware, handed to the kernel as is
//   x20  where the image was loaded (what follows the program there, such as
//        a packed kernel, is not copied)

// CPTR_EL2: RES1 bits only; TFP = 0, so FP/SIMD (which Rust code uses) does not trap.
.equ CPTR_EL2_VALUE,  0x33ff
// CPACR_EL1: FPEN = 0b11, the same at EL1.
.equ CPACR_EL1_FPEN,  (3 << 20)

.section .text._start, "ax"
.global _start
.type _start, %function
_start:
    mov     x19, x0
    adr     x20, _start

    // Only core 0 gets here on a raw-image boot; any other core (all of them
    // start at the entry when QEMU loads an ELF) waits forever.
    mrs     x1, MPIDR_EL1
    and     x1, x1, #0xff
    cbnz    x1, park

    // Move out of the way: copy the image from where it was loaded to where
    // it is linked, then continue there. Position independent until the `br`.
    adr     x1, _start
    ldr     x2, =__program_start
    ldr     x3, =__program_image_end
    cmp     x1, x2
    b.eq    relocated
1:  ldp     x4, x5, [x1], #16
    stp     x4, x5, [x2], #16
    cmp     x2, x3
    b.lo    1b
    // The copy is code: make sure no stale instruction is fetched from it.
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    ldr     x1, =relocated
    br      x1

relocated:
    // FP/SIMD untrapped at this exception level.
    mrs     x1, CurrentEL
    ubfx    x1, x1, #2, #2
    cmp     x1, #2
    b.ne    2f
    mov     x1, #CPTR_EL2_VALUE
    msr     CPTR_EL2, x1
    b       4f
2:  cmp     x1, #1
    b.ne    3f
    mov     x1, #CPACR_EL1_FPEN
    msr     CPACR_EL1, x1
    b       4f
3:  msr     CPTR_EL3, xzr
4:  isb

    ldr     x1, =__program_stack_top
    mov     sp, x1
    // Zero BSS (16-byte aligned at both ends by program.ld).
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
5:  cmp     x1, x2
    b.hs    6f
    stp     xzr, xzr, [x1], #16
    b       5b
6:
    mov     x29, xzr
    mov     x30, xzr
    mov     x0, x19
    mov     x1, x20
    bl      program_main
park:
    wfi
    b       park

// start_kernel(boot_argument, entry): jump to a freshly loaded kernel with the
// registers a fresh boot has (x0 = the firmware's boot argument, x1-x3 = 0).
// The MMU and data cache are off, so the image is in memory already; the
// instruction cache may hold lines of whatever was at those addresses before.
.global start_kernel
.type start_kernel, %function
start_kernel:
    mov     x4, x1
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    br      x4

.ltorg
