// EL1 exception vector table and the two entry paths behind it.
// See exception.rs for the design; the frame layouts here must match
// `ExceptionFrame` (fatal path) and the offsets listed below (IRQ path).

// Fatal frame: x0-x30, SP_EL0, ELR, SPSR, ESR, FAR = 36 words.
.equ FATAL_FRAME_SIZE, 288

// IRQ frame: everything the AAPCS64 lets a Rust handler clobber. That is
// x0-x18, x29, x30 and, for FP/SIMD, all of v0-v31: a called function must
// preserve only the LOW 64 bits of v8-v15 (d8-d15), so the upper halves are
// caller-saved too. kernel/tests/simd_irq.rs checks every bit.
//   0..144   x0-x17
//   144      x18, x30
//   160      x29, ELR     <- a frame record (fp, return address), so
//                           backtraces continue into the interrupted code
//   176      SPSR, FPCR
//   192      FPSR, (pad)
//   208..720 q0-q31
.equ IRQ_FRAME_SIZE, 720

.macro FATAL_VECTOR index
.balign 0x80
    sub     sp, sp, #FATAL_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       fatal_exception_entry
.endm

.macro IRQ_VECTOR
.balign 0x80
    b       irq_exception_entry
.endm

.section .text.exception_vectors, "ax"
.balign 0x800
.global __exception_vectors
__exception_vectors:
    // Current EL with SP_EL0: the kernel's normal state (EL1t).
    FATAL_VECTOR 0      // synchronous
    IRQ_VECTOR          // IRQ
    FATAL_VECTOR 2      // FIQ
    FATAL_VECTOR 3      // SError
    // Current EL with SP_EL1: inside an exception handler.
    FATAL_VECTOR 4
    IRQ_VECTOR
    FATAL_VECTOR 6
    FATAL_VECTOR 7
    // Lower EL, AArch64 (the kernel has no EL0 code yet).
    FATAL_VECTOR 8
    FATAL_VECTOR 9
    FATAL_VECTOR 10
    FATAL_VECTOR 11
    // Lower EL, AArch32.
    FATAL_VECTOR 12
    FATAL_VECTOR 13
    FATAL_VECTOR 14
    FATAL_VECTOR 15

// x0 = vector index, x0/x1 already saved at [sp].
fatal_exception_entry:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, SP_EL0
    stp     x30, x1, [sp, #240]
    mrs     x2, ELR_EL1
    mrs     x3, SPSR_EL1
    stp     x2, x3, [sp, #256]
    mrs     x2, ESR_EL1
    mrs     x3, FAR_EL1
    stp     x2, x3, [sp, #272]
    mov     x1, sp
    mov     x29, xzr
    bl      __fatal_exception
1:  wfi
    b       1b

irq_exception_entry:
    sub     sp, sp, #IRQ_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x30, [sp, #144]
    mrs     x0, ELR_EL1
    mrs     x1, SPSR_EL1
    stp     x29, x0, [sp, #160]
    str     x1, [sp, #176]
    stp     q0, q1, [sp, #208]
    stp     q2, q3, [sp, #240]
    stp     q4, q5, [sp, #272]
    stp     q6, q7, [sp, #304]
    stp     q8, q9, [sp, #336]
    stp     q10, q11, [sp, #368]
    stp     q12, q13, [sp, #400]
    stp     q14, q15, [sp, #432]
    stp     q16, q17, [sp, #464]
    stp     q18, q19, [sp, #496]
    stp     q20, q21, [sp, #528]
    stp     q22, q23, [sp, #560]
    stp     q24, q25, [sp, #592]
    stp     q26, q27, [sp, #624]
    stp     q28, q29, [sp, #656]
    stp     q30, q31, [sp, #688]
    mrs     x0, FPCR
    mrs     x1, FPSR
    str     x0, [sp, #184]
    str     x1, [sp, #192]
    add     x29, sp, #160

    bl      __irq_exception

    ldr     x0, [sp, #184]
    ldr     x1, [sp, #192]
    msr     FPCR, x0
    msr     FPSR, x1
    ldp     q0, q1, [sp, #208]
    ldp     q2, q3, [sp, #240]
    ldp     q4, q5, [sp, #272]
    ldp     q6, q7, [sp, #304]
    ldp     q8, q9, [sp, #336]
    ldp     q10, q11, [sp, #368]
    ldp     q12, q13, [sp, #400]
    ldp     q14, q15, [sp, #432]
    ldp     q16, q17, [sp, #464]
    ldp     q18, q19, [sp, #496]
    ldp     q20, q21, [sp, #528]
    ldp     q22, q23, [sp, #560]
    ldp     q24, q25, [sp, #592]
    ldp     q26, q27, [sp, #624]
    ldp     q28, q29, [sp, #656]
    ldp     q30, q31, [sp, #688]
    ldr     x1, [sp, #176]
    ldp     x29, x0, [sp, #160]
    msr     SPSR_EL1, x1
    msr     ELR_EL1, x0
    ldp     x18, x30, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #IRQ_FRAME_SIZE
    eret
