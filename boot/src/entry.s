// Reset vector of the kernel. See boot/src/lib.rs for the overview and
// docs/boot.md for the reasons behind each register value.
//
// Register use until `_start_rust`:
//   x19  boot argument from the loader (DTB address, or 0x100 for ATAGS)
//   x20  exception level at entry (1, 2 or 3)
//   x21  CNTPCT_EL0 at entry (the boot-time reference)

// ---- System register values -------------------------------------------------

// SCR_EL3: NS (lower levels non-secure), RES1 bits 4 and 5, SMD (no SMC),
// HCE (HVC enabled), RW (EL2 is AArch64).
.equ SCR_EL3_VALUE,      (1 << 0) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8) | (1 << 10)
// SPSR for an eret into EL2h with D, A, I, F masked.
.equ SPSR_EL2H_MASKED,   0x3c9
// SPSR for an eret into EL1t (SP_EL0 as stack pointer) with D, A, I, F masked.
.equ SPSR_EL1T_MASKED,   0x3c4
// HCR_EL2: RW (EL1 is AArch64). Nothing else is trapped or routed to EL2.
.equ HCR_EL2_VALUE,      (1 << 31)
// CPTR_EL2: RES1 bits only (0x33ff); TFP = 0 so FP/SIMD is not trapped to EL2.
.equ CPTR_EL2_VALUE,     0x33ff
// CNTHCTL_EL2: EL1PCTEN | EL1PCEN, EL1 may read the physical counter and use
// the physical timer.
.equ CNTHCTL_EL1_ACCESS, 0x3
// SCTLR_EL1: RES1 bits of ARMv8.0; MMU, caches and alignment checks off.
.equ SCTLR_EL1_RESET,    0x30d00800
// SCTLR_EL2: RES1 bits of ARMv8.0 (E2H = 0); MMU and caches off.
.equ SCTLR_EL2_RESET,    0x30c50830
// CPUECTLR_EL1.SMPEN (Cortex-A53/A72): take part in coherency. Must be set
// before caches or the MMU are enabled; only EL3 may write it by default.
.equ CPUECTLR_SMPEN,     (1 << 6)
// GIC-400 (only configured at EL3, and only if it has the Security Extensions).
.equ GICD_CTLR,          0x000
.equ GICD_TYPER,         0x004
.equ GICD_IGROUPR0,      0x080
.equ GICC_CTLR,          0x000
.equ GICC_PMR,           0x004
// Secure GICC_CTLR: EnableGrp0 | EnableGrp1 | FIQ/IRQ bypass disabled for both groups.
.equ GICC_CTLR_SECURE,   0x1e3
// CPACR_EL1: FPEN = 0b11, FP/SIMD instructions are not trapped at EL1 or EL0.
.equ CPACR_EL1_FPEN,     (3 << 20)
// ARM local block: the core timer's source (0: the crystal, +1 per tick) and
// prescaler (the counter runs at crystal * 2^31 / prescaler).
.equ ARM_LOCAL_CONTROL,   0x000
.equ ARM_LOCAL_PRESCALER, 0x008
.equ PRESCALER_ONE_TO_ONE, 0x80000000
// Firmware spin table: core n (1..3) polls the 64-bit slot at 0xd8 + 8 * n.
.equ SPIN_TABLE_CORE1,   0xe0

.section .text._start, "ax"
.global _start
.type _start, %function
_start:
    mov     x19, x0
    mrs     x21, CNTPCT_EL0
    mrs     x20, CurrentEL
    ubfx    x20, x20, #2, #2

    // Only core 0 boots the kernel. Others reach this point only when all cores
    // start here (QEMU loading an ELF at EL3); they wait in the park loop.
    mrs     x0, MPIDR_EL1
    and     x0, x0, #0xff
    cbnz    x0, park_core

    cmp     x20, #3
    b.eq    from_el3
    cmp     x20, #2
    b.eq    from_el2
    cmp     x20, #1
    b.eq    at_el1
    b       park_core

// Entered at EL3: there is no firmware stub (QEMU booting the ELF, or a board
// configured without an armstub), so do what the stub would have done.
from_el3:
    // Coherency on, before any cache or MMU use at any level.
    mrs     x0, S3_1_C15_C2_1
    orr     x0, x0, #CPUECTLR_SMPEN
    msr     S3_1_C15_C2_1, x0
    // The counter frequency can only be set here; keep it if already set.
    mrs     x0, CNTFRQ_EL0
    cbnz    x0, 1f
    ldr     x0, =__BOARD_COUNTER_FREQUENCY_IF_UNSET
    ldr     x0, [x0]
    msr     CNTFRQ_EL0, x0
1:
    // The counter runs from the crystal at 1:1, the rate CNTFRQ_EL0 states
    // (what the firmware's stub sets before it enters a kernel at EL2).
    ldr     x0, =__BOARD_ARM_LOCAL_BASE
    ldr     x0, [x0]
    str     wzr, [x0, #ARM_LOCAL_CONTROL]
    mov     w1, #PRESCALER_ONE_TO_ONE
    str     w1, [x0, #ARM_LOCAL_PRESCALER]
    // No FP/SIMD, trace or register-access traps to EL3.
    msr     CPTR_EL3, xzr
    ldr     x0, =SCTLR_EL2_RESET
    msr     SCTLR_EL2, x0
    // A GIC with the Security Extensions resets every interrupt to secure
    // group 0, invisible to the non-secure kernel: make them all group 1.
    ldr     x0, =__BOARD_GICD_BASE
    ldr     x0, [x0]
    cbz     x0, 3f
    ldr     w1, [x0, #GICD_TYPER]
    tbz     w1, #10, 3f
    and     w1, w1, #0x1f
    add     w1, w1, #1
    add     x2, x0, #GICD_IGROUPR0
    mov     w3, #-1
2:  str     w3, [x2], #4
    subs    w1, w1, #1
    b.ne    2b
    mov     w3, #3
    str     w3, [x0, #GICD_CTLR]
    ldr     x0, =__BOARD_GICC_BASE
    ldr     x0, [x0]
    mov     w3, #GICC_CTLR_SECURE
    str     w3, [x0, #GICC_CTLR]
    mov     w3, #0xff
    str     w3, [x0, #GICC_PMR]
3:
    ldr     x0, =SCR_EL3_VALUE
    msr     SCR_EL3, x0
    mov     x0, #SPSR_EL2H_MASKED
    msr     SPSR_EL3, x0
    adr     x0, from_el2
    msr     ELR_EL3, x0
    eret

from_el2:
    mrs     x0, CNTHCTL_EL2
    orr     x0, x0, #CNTHCTL_EL1_ACCESS
    msr     CNTHCTL_EL2, x0
    msr     CNTVOFF_EL2, xzr
    mov     x0, #HCR_EL2_VALUE
    msr     HCR_EL2, x0
    mov     x0, #CPTR_EL2_VALUE
    msr     CPTR_EL2, x0
    msr     HSTR_EL2, xzr
    // Debug and PMU accesses from EL1 not trapped; all event counters to EL1.
    mrs     x0, PMCR_EL0
    ubfx    x0, x0, #11, #5
    msr     MDCR_EL2, x0
    // Nothing should trap to EL2; if something does, park visibly (ESR_EL2 in
    // x0, ELR_EL2 in x1, for a debugger) instead of jumping into firmware code.
    ldr     x0, =el2_vectors
    msr     VBAR_EL2, x0
    ldr     x0, =SCTLR_EL1_RESET
    msr     SCTLR_EL1, x0
    mov     x0, #SPSR_EL1T_MASKED
    msr     SPSR_EL2, x0
    adr     x0, at_el1
    msr     ELR_EL2, x0
    eret

at_el1:
    mov     x0, #CPACR_EL1_FPEN
    msr     CPACR_EL1, x0
    ldr     x0, =__exception_vectors
    msr     VBAR_EL1, x0
    isb

    // Exception stack on SP_EL1, kernel stack on SP_EL0, and run on SP_EL0
    // (EL1t), so an overflowing kernel stack still leaves a good stack for the
    // exception that reports it.
    msr     SPSel, #1
    ldr     x0, =__exception_stack_top
    mov     sp, x0
    msr     SPSel, #0
    ldr     x0, =__kernel_stack_top
    mov     sp, x0

    // Zero BSS (16-byte aligned at both ends by linker.ld).
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:
    // Move cores 1-3 from the firmware's spin-table loop (which polls with WFE,
    // a busy loop under QEMU) into the kernel's own WFI park loop. The MMU and
    // caches are off, so the stores reach memory directly.
    adr     x0, park_core
    ldr     x1, =SPIN_TABLE_CORE1
    str     x0, [x1], #8
    str     x0, [x1], #8
    str     x0, [x1]
    dsb     sy
    sev

    // Terminate the frame-pointer chain for backtraces and enter Rust.
    mov     x29, xzr
    mov     x30, xzr
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    bl      _start_rust
    b       park_core

// Parked cores sleep in WFI (not WFE: QEMU treats WFE as a busy yield). No
// interrupt is routed to them, so they stay here until an SMP bring-up
// changes this loop. Each core first records its arrival in `parked_cores`
// (one u64 per core, zeroed with BSS before the release): a plain store,
// made with the caches off; the kernel reads the flags after invalidating
// the line (`arch::cpu::parked_cores`).
.global park_core
.type park_core, %function
park_core:
    mrs     x0, MPIDR_EL1
    and     x0, x0, #0x3
    adrp    x1, parked_cores
    add     x1, x1, :lo12:parked_cores
    mov     x2, #1
    str     x2, [x1, x0, lsl #3]
    dsb     sy
1:  wfi
    b       1b
.size park_core, . - park_core

.pushsection .bss.parked_cores, "aw", %nobits
.balign 64
.global parked_cores
parked_cores:
    .zero 64
.popsection

// EL2 vector table: every entry parks the core (see from_el2).
.balign 0x800
el2_vectors:
.rept 16
.balign 0x80
    b       el2_unexpected_exception
.endr

el2_unexpected_exception:
    mrs     x0, ESR_EL2
    mrs     x1, ELR_EL2
1:  wfi
    b       1b

.ltorg
