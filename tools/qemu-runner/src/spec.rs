//! The test spec a test kernel carries in its `.kernel_test_spec` section.
//!
//! One directive per line (docs/testing.md):
//!
//! | directive            | meaning                                                        |
//! |----------------------|----------------------------------------------------------------|
//! | `kernel-test harness`| written by `test_kernel!`: success also needs `test result: ok` |
//! | `kernel-test custom` | written by `test_main!`                                        |
//! | `exit N`             | QEMU must exit with status N (default 0)                        |
//! | `timeout S`          | give up after S seconds of host time (default 30)               |
//! | `boot elf`           | boot the ELF (all cores at EL3) instead of the raw image        |
//! | `expect TEXT`        | wait until TEXT appears on the console after the last match     |
//! | `send TEXT`          | type TEXT into the console                                      |
//! | `send-repeat N TEXT` | type TEXT N times over                                          |
//! | `send-random N SEED` | type N pseudo-random bytes (driver-core's `Pattern`, seed SEED) |
//! | `expect-random N SEED` | the next N output bytes must be exactly that pattern          |
//! | `baud RATE`          | type at a real serial line's pace: RATE/10 bytes per second (8N1); without it, as fast as QEMU takes them |
//! | `icount`             | deterministic virtual time: one instruction = 1 ns (`-icount shift=0,sleep=off`) |
//! | `cpu-mark`           | note QEMU's host CPU time at this point of the script           |
//! | `cpu-below MS`       | fail if QEMU used more than MS ms of host CPU since `cpu-mark`  |
//! | `elapsed-below MS`   | fail if more than MS ms of host time passed since QEMU started  |
//! | `pause MS`           | wait MS ms of host time (the kernel catches up with a flood)    |
//! | `check atomics-after-mmu` | trace executed instructions; fail if an exclusive or atomic instruction ran before `enable_identity_map` turned the MMU on |
//!
//! TEXT may use the escapes `\r`, `\n`, `\t`, `\\` and `\xNN`, and the
//! placeholders `{sym:NAME}` (a symbol's address) and `{random-crc32 N SEED}`
//! (the CRC-32 of that pattern, 8 lowercase hex digits).

use std::time::Duration;

/// One ordered step of the console script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Wait for these bytes in the output.
    Expect(Vec<u8>),
    /// Send these bytes to the kernel.
    Send(Vec<u8>),
    /// The next N output bytes must equal the pattern of this seed.
    ExpectRandom { len: usize, seed: u64 },
    /// Note QEMU's host CPU time now.
    CpuMark,
    /// Fail if QEMU used more than this many milliseconds of host CPU since the mark.
    CpuBelow(u64),
    /// Fail if more than this many milliseconds of host time passed since QEMU started.
    ElapsedBelow(u64),
    /// Wait this many milliseconds of host time (sends queued before it go out first).
    Pause(u64),
}

/// A parsed spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Built with `test_kernel!` (expects libtest-style output).
    pub harness: bool,
    /// Expected exit status.
    pub exit_status: i32,
    /// Host-time limit.
    pub timeout: Duration,
    /// Boot the ELF instead of the raw image.
    pub boot_elf: bool,
    /// The console script, in order.
    pub steps: Vec<Step>,
    /// Trace the instructions QEMU executes and check them (`check ...`).
    pub trace_check: Option<TraceCheck>,
    /// Run QEMU with deterministic instruction counting.
    pub icount: bool,
    /// Pace sends like a serial line at this many bits per second.
    pub baud: Option<u32>,
}

/// What the instruction trace of a run must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceCheck {
    /// No atomic before the MMU is on, and the console set up before it
    /// (`check atomics-after-mmu`).
    AtomicsAfterMmu,
    /// No atomic at all (`check no-atomics`): for a run that never turns the
    /// MMU on, such as a crash in the MMU-off phase.
    NoAtomics,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            harness: false,
            exit_status: 0,
            timeout: Duration::from_secs(30),
            boot_elf: false,
            steps: Vec::new(),
            trace_check: None,
            icount: false,
            baud: None,
        }
    }
}

impl Spec {
    /// Parses the section text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut spec = Spec::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (directive, argument) = line.split_once(' ').unwrap_or((line, ""));
            let bad = |what: &str| format!("test spec line {}: {what}: {line:?}", number + 1);
            match directive {
                "kernel-test" => match argument.trim() {
                    "harness" => spec.harness = true,
                    "custom" => {}
                    _ => return Err(bad("unknown kernel-test kind")),
                },
                "exit" => {
                    spec.exit_status =
                        argument.trim().parse().map_err(|_| bad("bad exit status"))?
                }
                "timeout" => {
                    let secs: u64 = argument.trim().parse().map_err(|_| bad("bad timeout"))?;
                    spec.timeout = Duration::from_secs(secs);
                }
                "boot" => match argument.trim() {
                    "elf" => spec.boot_elf = true,
                    "image" => spec.boot_elf = false,
                    _ => return Err(bad("boot takes 'elf' or 'image'")),
                },
                "icount" => spec.icount = true,
                "baud" => {
                    let rate: u32 = argument.trim().parse().map_err(|_| bad("bad baud rate"))?;
                    if rate < 10 {
                        return Err(bad("baud rate below 10"));
                    }
                    spec.baud = Some(rate);
                }
                "send-random" | "expect-random" => {
                    let mut words = argument.split_whitespace();
                    let len: usize = words
                        .next()
                        .and_then(|w| w.parse().ok())
                        .ok_or_else(|| bad("bad length"))?;
                    let seed: u64 =
                        words.next().and_then(|w| w.parse().ok()).ok_or_else(|| bad("bad seed"))?;
                    spec.steps.push(if directive == "send-random" {
                        let mut bytes = vec![0u8; len];
                        driver_core::pattern::Pattern::new(seed).fill(&mut bytes);
                        Step::Send(bytes)
                    } else {
                        Step::ExpectRandom { len, seed }
                    });
                }
                "cpu-mark" => spec.steps.push(Step::CpuMark),
                "cpu-below" => {
                    let ms = argument.trim().parse().map_err(|_| bad("bad milliseconds"))?;
                    spec.steps.push(Step::CpuBelow(ms));
                }
                "pause" => {
                    let ms = argument.trim().parse().map_err(|_| bad("bad milliseconds"))?;
                    spec.steps.push(Step::Pause(ms));
                }
                "elapsed-below" => {
                    let ms = argument.trim().parse().map_err(|_| bad("bad milliseconds"))?;
                    spec.steps.push(Step::ElapsedBelow(ms));
                }
                "check" => {
                    let check = match argument.trim() {
                        "atomics-after-mmu" => TraceCheck::AtomicsAfterMmu,
                        "no-atomics" => TraceCheck::NoAtomics,
                        _ => return Err(bad("unknown check")),
                    };
                    if spec.trace_check.replace(check).is_some() {
                        return Err(bad("one check per kernel"));
                    }
                }
                "expect" => spec.steps.push(Step::Expect(unescape(argument).map_err(|e| bad(&e))?)),
                "send" => spec.steps.push(Step::Send(unescape(argument).map_err(|e| bad(&e))?)),
                "send-repeat" => {
                    let (count, text) = argument.split_once(' ').ok_or_else(|| bad("no text"))?;
                    let count: usize = count.parse().map_err(|_| bad("bad count"))?;
                    let text = unescape(text).map_err(|e| bad(&e))?;
                    spec.steps.push(Step::Send(text.repeat(count)));
                }
                _ => return Err(bad("unknown directive")),
            }
        }
        Ok(spec)
    }
}

/// Decodes `\r`, `\n`, `\t`, `\\` and `\xNN`.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hi = bytes.next().ok_or("truncated \\x escape")?;
                let lo = bytes.next().ok_or("truncated \\x escape")?;
                let hex = [hi, lo];
                let s = std::str::from_utf8(&hex).map_err(|_| "bad \\x escape")?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| format!("bad \\x escape {s:?}"))?);
            }
            other => return Err(format!("unknown escape \\{}", other.map_or('?', char::from))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives_in_order() {
        let spec = Spec::parse(
            "kernel-test harness\nexit 102\ntimeout 5\nexpect ready\nsend hi\\r\nexpect got \\x41\n",
        )
        .unwrap();
        assert!(spec.harness);
        assert_eq!(spec.exit_status, 102);
        assert_eq!(spec.timeout, Duration::from_secs(5));
        assert_eq!(
            spec.steps,
            [
                Step::Expect(b"ready".to_vec()),
                Step::Send(b"hi\r".to_vec()),
                Step::Expect(b"got A".to_vec())
            ]
        );
    }

    #[test]
    fn timing_steps_keep_their_place() {
        let spec = Spec::parse("expect > \nelapsed-below 1000\ncpu-mark\ncpu-below 50\npause 20\n")
            .unwrap();
        assert_eq!(
            spec.steps,
            [
                Step::Expect(b"> ".to_vec()),
                Step::ElapsedBelow(1000),
                Step::CpuMark,
                Step::CpuBelow(50),
                Step::Pause(20)
            ]
        );
        assert!(Spec::parse("elapsed-below soon").is_err());
    }

    #[test]
    fn defaults() {
        let spec = Spec::parse("kernel-test custom\n").unwrap();
        assert!(!spec.harness);
        assert_eq!(spec.exit_status, 0);
        assert!(!spec.boot_elf);
        assert!(spec.steps.is_empty());
    }

    #[test]
    fn one_trace_check_per_kernel() {
        let spec = Spec::parse("check no-atomics\n").unwrap();
        assert_eq!(spec.trace_check, Some(TraceCheck::NoAtomics));
        assert_eq!(Spec::parse("kernel-test custom\n").unwrap().trace_check, None);
        assert!(Spec::parse("check atomics-after-mmu\ncheck no-atomics\n").is_err());
        assert!(Spec::parse("check everything\n").is_err());
    }

    #[test]
    fn rejects_nonsense() {
        assert!(Spec::parse("exit banana").is_err());
        assert!(Spec::parse("frobnicate 3").is_err());
        assert!(Spec::parse("send \\q").is_err());
        assert!(Spec::parse("send \\x4").is_err());
        assert!(Spec::parse("boot floppy").is_err());
    }

    #[test]
    fn random_directives() {
        let spec = Spec::parse("send-random 4 7\nexpect-random 3 9\n").unwrap();
        let mut expected = [0u8; 4];
        driver_core::pattern::Pattern::new(7).fill(&mut expected);
        assert_eq!(
            spec.steps,
            [Step::Send(expected.to_vec()), Step::ExpectRandom { len: 3, seed: 9 }]
        );
        assert!(Spec::parse("send-random x 1").is_err());
        assert!(Spec::parse("expect-random 3").is_err());
    }

    #[test]
    fn send_repeat() {
        let spec = Spec::parse("send-repeat 3 ab\\r\nsend-repeat 0 x\n").unwrap();
        assert_eq!(spec.steps, [Step::Send(b"ab\rab\rab\r".to_vec()), Step::Send(vec![])]);
        assert!(Spec::parse("send-repeat 3").is_err());
        assert!(Spec::parse("send-repeat many x").is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"a\\b\n\t\x00\xff").unwrap(), b"a\\b\n\t\x00\xff");
        assert_eq!(unescape("*** KERNEL").unwrap(), b"*** KERNEL");
    }
}
