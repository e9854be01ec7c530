//! An interrupt must not change the interrupted code's FP/SIMD state: all of
//! v0-v31 (AAPCS64 makes a called function preserve only the low halves of
//! v8-v15, so a Rust handler may clobber every other bit) and FPCR.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::arch::timer;
use kernel::{board, irq};

kernel::test_kernel!(all_vector_registers_and_fpcr_survive_an_irq);

static FIRED: AtomicU32 = AtomicU32::new(0);

/// Clobbers every vector register and flips FPCR's rounding mode, as a handler
/// compiled to use them may.
fn clobbering_handler(_line: irq::IrqLine) {
    timer::cancel();
    // SAFETY: only registers the asm declares as clobbered are written, and
    // FPCR is restored by the IRQ exit path (that is what this test checks).
    unsafe {
        core::arch::asm!(
            "movi v0.2d, #0", "movi v1.2d, #0", "movi v2.2d, #0", "movi v3.2d, #0",
            "movi v4.2d, #0", "movi v5.2d, #0", "movi v6.2d, #0", "movi v7.2d, #0",
            "movi v8.2d, #0", "movi v9.2d, #0", "movi v10.2d, #0", "movi v11.2d, #0",
            "movi v12.2d, #0", "movi v13.2d, #0", "movi v14.2d, #0", "movi v15.2d, #0",
            "movi v16.2d, #0", "movi v17.2d, #0", "movi v18.2d, #0", "movi v19.2d, #0",
            "movi v20.2d, #0", "movi v21.2d, #0", "movi v22.2d, #0", "movi v23.2d, #0",
            "movi v24.2d, #0", "movi v25.2d, #0", "movi v26.2d, #0", "movi v27.2d, #0",
            "movi v28.2d, #0", "movi v29.2d, #0", "movi v30.2d, #0", "movi v31.2d, #0",
            "mrs {t}, fpcr", "eor {t}, {t}, #(3 << 22)", "msr fpcr, {t}",
            t = out(reg) _,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
            out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
            out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
            out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
            out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
        );
    }
    FIRED.store(1, Ordering::SeqCst);
}

fn all_vector_registers_and_fpcr_survive_an_irq() {
    let _ = irq::register(board::irq::TIMER, clobbering_handler);
    irq::enable(board::irq::TIMER);
    let mut before = [0u64; 64];
    for (i, word) in before.iter_mut().enumerate() {
        *word = 0x0123_4567_89ab_cdef_u64.rotate_left(i as u32) ^ (i as u64) << 56;
    }
    let mut after = [0u64; 64];
    let (fpcr_before, fpcr_after): (u64, u64);
    timer::set_deadline_in(timer::frequency() / 1000);
    // SAFETY: loads 32 vector registers from `before`, spins on FIRED (using
    // only general registers) until the IRQ has run, and stores them to
    // `after`; all touched registers are declared.
    unsafe {
        core::arch::asm!(
            "mrs {fb}, fpcr",
            "ld1 {{v0.2d, v1.2d, v2.2d, v3.2d}}, [{src}], #64",
            "ld1 {{v4.2d, v5.2d, v6.2d, v7.2d}}, [{src}], #64",
            "ld1 {{v8.2d, v9.2d, v10.2d, v11.2d}}, [{src}], #64",
            "ld1 {{v12.2d, v13.2d, v14.2d, v15.2d}}, [{src}], #64",
            "ld1 {{v16.2d, v17.2d, v18.2d, v19.2d}}, [{src}], #64",
            "ld1 {{v20.2d, v21.2d, v22.2d, v23.2d}}, [{src}], #64",
            "ld1 {{v24.2d, v25.2d, v26.2d, v27.2d}}, [{src}], #64",
            "ld1 {{v28.2d, v29.2d, v30.2d, v31.2d}}, [{src}], #64",
            "2: ldr {t:w}, [{flag}]",
            "cbz {t:w}, 2b",
            "st1 {{v0.2d, v1.2d, v2.2d, v3.2d}}, [{dst}], #64",
            "st1 {{v4.2d, v5.2d, v6.2d, v7.2d}}, [{dst}], #64",
            "st1 {{v8.2d, v9.2d, v10.2d, v11.2d}}, [{dst}], #64",
            "st1 {{v12.2d, v13.2d, v14.2d, v15.2d}}, [{dst}], #64",
            "st1 {{v16.2d, v17.2d, v18.2d, v19.2d}}, [{dst}], #64",
            "st1 {{v20.2d, v21.2d, v22.2d, v23.2d}}, [{dst}], #64",
            "st1 {{v24.2d, v25.2d, v26.2d, v27.2d}}, [{dst}], #64",
            "st1 {{v28.2d, v29.2d, v30.2d, v31.2d}}, [{dst}], #64",
            "mrs {fa}, fpcr",
            src = inout(reg) before.as_ptr() => _,
            dst = inout(reg) after.as_mut_ptr() => _,
            flag = in(reg) FIRED.as_ptr(),
            t = out(reg) _,
            fb = out(reg) fpcr_before,
            fa = out(reg) fpcr_after,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
            out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
            out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
            out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
            out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
        );
    }
    for register in 0..32 {
        let expected = (before[2 * register], before[2 * register + 1]);
        let got = (after[2 * register], after[2 * register + 1]);
        assert_eq!(got, expected, "v{register} changed across an IRQ");
    }
    assert_eq!(fpcr_after, fpcr_before, "FPCR changed across an IRQ");
}
