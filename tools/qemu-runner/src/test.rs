//! Running a test kernel: boot it in QEMU with semihosting (so it can exit with
//! a status), play its console script, and judge the result.
//!
//! A test passes when every `expect` matched in order, QEMU exited with the
//! expected status before the timeout, no unexpected crash report
//! (`*** KERNEL`) appeared, and — for `test_kernel!` kernels expected to pass —
//! the harness printed `test result: ok`.

use crate::elf::KernelElf;
use crate::spec::{Spec, Step, TraceCheck};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CRASH_MARKER: &[u8] = b"*** KERNEL";
const HARNESS_OK: &[u8] = b"test result: ok";

enum Event {
    Output(Vec<u8>),
    OutputClosed,
}

/// Runs the test kernel at `elf_path` and reports the result.
pub fn run_test(elf_path: &Path) -> Result<ExitCode, String> {
    let kernel = KernelElf::read(elf_path)?;
    let mut spec = Spec::parse(kernel.test_spec.as_deref().unwrap_or(""))?;
    let board = kernel.board.clone().unwrap_or_default();
    let machine = crate::machine_for(kernel.board.as_deref())?;
    let counter_hz = crate::counter_hz(&board)?;
    let effective_hz = counter_hz.unwrap_or(crate::QEMU_COUNTER_HZ).to_string();
    for step in &mut spec.steps {
        if let Step::Expect(text) | Step::Send(text) = step {
            *text =
                replace(&kernel.resolve_symbols(text)?, b"{counter_hz}", effective_hz.as_bytes());
        }
    }
    let name = test_name(elf_path);
    let boot_file = if spec.boot_elf {
        elf_path.to_path_buf()
    } else {
        crate::image_beside(elf_path, &kernel)?
    };

    let trace_path = {
        let mut p = elf_path.as_os_str().to_owned();
        p.push(".in_asm.log");
        std::path::PathBuf::from(p)
    };
    let mut command = Command::new(crate::qemu_binary());
    if spec.icount {
        command.args(["-icount", "shift=0,sleep=off"]);
    }
    if spec.trace_check.is_some() {
        let _ = std::fs::remove_file(&trace_path);
        command.args(["-d", "in_asm,nochain", "-D"]).arg(&trace_path);
    }
    if let Some(hz) = counter_hz {
        command.arg("-global").arg(format!("{}.cntfrq={hz}", crate::cpu_type_for(machine)));
    }
    command
        .args(["-M", machine, "-display", "none", "-monitor", "none", "-serial", "stdio"])
        .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(&boot_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().map_err(crate::qemu_missing)?;

    let (events, receive) = mpsc::channel();
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        loop {
            match stdout.read(&mut buffer) {
                Ok(0) | Err(_) => {
                    let _ = events.send(Event::OutputClosed);
                    break;
                }
                Ok(n) => {
                    if events.send(Event::Output(buffer[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut stderr = child.stderr.take().expect("piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    // Sends go through a thread so a large send never blocks the reading side.
    let (send, to_writer) = mpsc::channel::<Vec<u8>>();
    let mut stdin = child.stdin.take().expect("piped");
    let bytes_per_second = spec.baud.map(|baud| u64::from(baud) / 10);
    let writer = std::thread::spawn(move || {
        for bytes in to_writer {
            if write_paced(&mut stdin, &bytes, bytes_per_second).is_err() {
                break;
            }
        }
    });

    let deadline = started + spec.timeout;
    let mut output: Vec<u8> = Vec::new();
    let mut matched_up_to = 0usize;
    let mut steps = spec.steps.iter().peekable();
    let mut failure: Option<String> = None;
    let mut output_closed = false;
    let mut cpu_mark: Option<std::time::Duration> = None;
    let qemu_pid = child.id();

    // Play the script.
    while let Some(step) = steps.peek() {
        match step {
            Step::Send(bytes) => {
                let _ = send.send(bytes.clone());
                steps.next();
                continue;
            }
            Step::ExpectRandom { len, seed } => {
                let len = *len;
                if output.len() - matched_up_to >= len {
                    let mut expected = vec![0u8; len];
                    driver_core::pattern::Pattern::new(*seed).fill(&mut expected);
                    let got = &output[matched_up_to..matched_up_to + len];
                    if got != expected.as_slice() {
                        let at = got.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(0);
                        failure = Some(format!(
                            "expect-random {len} {seed}: byte {at} is {:#04x}, expected {:#04x}",
                            got[at], expected[at]
                        ));
                        break;
                    }
                    matched_up_to += len;
                    steps.next();
                    continue;
                }
                if output_closed {
                    failure = Some(format!(
                        "QEMU ended after {} of {len} expected random bytes",
                        output.len() - matched_up_to
                    ));
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    failure = Some(format!(
                        "timed out with {} of {len} expected random bytes",
                        output.len() - matched_up_to
                    ));
                    break;
                }
                match receive.recv_timeout(deadline - now) {
                    Ok(Event::Output(bytes)) => output.extend_from_slice(&bytes),
                    Ok(Event::OutputClosed) => output_closed = true,
                    Err(_) => {}
                }
            }
            Step::CpuMark => {
                cpu_mark = process_cpu_time(qemu_pid);
                if cpu_mark.is_none() {
                    failure = Some("cannot read QEMU's CPU time from /proc".into());
                    break;
                }
                steps.next();
                continue;
            }
            Step::CpuBelow(limit_ms) => {
                let (Some(mark), Some(now)) = (cpu_mark, process_cpu_time(qemu_pid)) else {
                    failure = Some("cpu-below without a cpu-mark (or /proc unreadable)".into());
                    break;
                };
                let used = now.saturating_sub(mark);
                println!(
                    "    {board} {name}: QEMU used {} ms of host CPU since cpu-mark",
                    used.as_millis()
                );
                if used.as_millis() as u64 > *limit_ms {
                    failure = Some(format!(
                        "QEMU used {} ms of host CPU since cpu-mark, limit {limit_ms} ms",
                        used.as_millis()
                    ));
                    break;
                }
                steps.next();
                continue;
            }
            Step::Pause(ms) => {
                // Keep collecting output meanwhile.
                let until = Instant::now() + Duration::from_millis(*ms);
                while let Some(left) = until.checked_duration_since(Instant::now()) {
                    match receive.recv_timeout(left) {
                        Ok(Event::Output(bytes)) => output.extend_from_slice(&bytes),
                        Ok(Event::OutputClosed) => {
                            output_closed = true;
                            break;
                        }
                        Err(_) => {}
                    }
                }
                steps.next();
                continue;
            }
            Step::ElapsedBelow(limit_ms) => {
                let elapsed = started.elapsed();
                println!(
                    "    {board} {name}: {} ms of host time since QEMU started",
                    elapsed.as_millis()
                );
                if elapsed.as_millis() as u64 > *limit_ms {
                    failure = Some(format!(
                        "{} ms of host time since QEMU started, limit {limit_ms} ms",
                        elapsed.as_millis()
                    ));
                    break;
                }
                steps.next();
                continue;
            }
            Step::Expect(needle) => {
                if let Some(at) = find(&output[matched_up_to..], needle) {
                    matched_up_to += at + needle.len();
                    steps.next();
                    continue;
                }
                if output_closed {
                    failure =
                        Some(format!("QEMU ended before the output showed {:?}", show(needle)));
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    failure = Some(format!(
                        "timed out after {:?} waiting for {:?}",
                        spec.timeout,
                        show(needle)
                    ));
                    break;
                }
                match receive.recv_timeout(deadline - now) {
                    Ok(Event::Output(bytes)) => output.extend_from_slice(&bytes),
                    Ok(Event::OutputClosed) => output_closed = true,
                    Err(_) => {}
                }
            }
        }
    }

    // Wait for QEMU to exit.
    let mut status = None;
    if failure.is_none() {
        loop {
            while let Ok(event) = receive.try_recv() {
                if let Event::Output(bytes) = event {
                    output.extend_from_slice(&bytes);
                }
            }
            if let Some(exit) = child.try_wait().map_err(|e| e.to_string())? {
                status = Some(exit);
                break;
            }
            if Instant::now() >= deadline {
                failure =
                    Some(format!("timed out after {:?} waiting for QEMU to exit", spec.timeout));
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    drop(send);
    let _ = reader.join();
    let _ = writer.join();
    for event in receive.try_iter() {
        if let Event::Output(bytes) = event {
            output.extend_from_slice(&bytes);
        }
    }
    let qemu_errors = stderr_reader.join().unwrap_or_default();

    if failure.is_none() {
        let code = status.and_then(|s| s.code());
        if code != Some(spec.exit_status) {
            failure = Some(match code {
                Some(c) => format!("QEMU exited with status {c}, expected {}", spec.exit_status),
                None => "QEMU was killed by a signal".to_string(),
            });
        } else if spec.exit_status == 0 && find(&output, CRASH_MARKER).is_some() {
            failure = Some("the kernel printed a crash report".into());
        } else if spec.exit_status == 0 && spec.harness && find(&output, HARNESS_OK).is_none() {
            failure = Some("QEMU exited 0 but the harness never printed 'test result: ok'".into());
        } else if let Some(check) = spec.trace_check {
            let verdict = match check {
                TraceCheck::AtomicsAfterMmu => {
                    crate::trace::check_atomics_after_mmu(&trace_path, &kernel)
                }
                TraceCheck::NoAtomics => crate::trace::check_no_atomics(&trace_path, &kernel),
            };
            match verdict {
                Ok(summary) => println!("    {board} {}: {summary}", test_name(elf_path)),
                Err(problem) => failure = Some(problem),
            }
        }
    }

    let elapsed = started.elapsed().as_secs_f64();
    let counter_note = match counter_hz {
        Some(hz) => format!(" [counter at {} MHz]", hz as f64 / 1e6),
        None => String::new(),
    };
    let console = String::from_utf8_lossy(&output).replace('\r', "");
    let verbose = std::env::var_os("QEMU_RUNNER_VERBOSE").is_some_and(|v| v != "0");
    for line in console.lines().filter(|l| l.starts_with("test ") && !l.starts_with("test result"))
    {
        println!("    {board} {name}: {line}");
    }
    match failure {
        None => {
            println!("qemu-test {board} {name} ... ok ({elapsed:.2} s){counter_note}");
            if verbose {
                print_console(&kernel, &console);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(reason) => {
            println!(
                "qemu-test {board} {name} ... FAILED ({elapsed:.2} s){counter_note}: {reason}"
            );
            print_console(&kernel, &console);
            if !qemu_errors.trim().is_empty() {
                println!("---- QEMU stderr ----\n{}", qemu_errors.trim_end());
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Writes `bytes`, at most `bytes_per_second` (a serial line's pace) if given.
/// Like a real line it never catches up: after a stall (this thread or the
/// host late), the rest goes at the line's pace from then on, not in a burst
/// that no board's line could deliver.
fn write_paced(
    out: &mut impl Write,
    bytes: &[u8],
    bytes_per_second: Option<u64>,
) -> std::io::Result<()> {
    let Some(rate) = bytes_per_second else {
        out.write_all(bytes)?;
        return out.flush();
    };
    let chunk = (rate / 200).max(1) as usize; // about 5 ms of line time per write
    let line_time = |len: usize| Duration::from_secs_f64(len as f64 / rate as f64);
    let mut due = Instant::now();
    for piece in bytes.chunks(chunk) {
        let now = Instant::now();
        match due.checked_duration_since(now) {
            Some(wait) => std::thread::sleep(wait),
            // Late by more than a write: start the pace again from now.
            None if now - due > line_time(chunk) => due = now,
            None => {}
        }
        out.write_all(piece)?;
        out.flush()?;
        due += line_time(piece.len());
    }
    Ok(())
}

/// User + system CPU time of process `pid` (Linux /proc), all its threads.
fn process_cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks_per_second = 100; // USER_HZ on Linux
    Some(Duration::from_millis((utime + stime) * 1000 / ticks_per_second))
}

fn print_console(kernel: &KernelElf, console: &str) {
    println!("---- console ----");
    for line in console.lines() {
        println!("{}", symbolize_line(kernel, line));
    }
    println!("---- end of console ----");
}

/// Appends `<function+offset>` to crash-report lines that carry a code address.
fn symbolize_line(kernel: &KernelElf, line: &str) -> String {
    let trimmed = line.trim_start();
    let is_frame = trimmed.starts_with('#');
    let is_lr = trimmed.starts_with("LR ");
    if !(is_frame || is_lr || trimmed.starts_with("ELR_EL1")) {
        return line.to_string();
    }
    let Some(hex) = trimmed.split_whitespace().find(|w| w.starts_with("0x")) else {
        return line.to_string();
    };
    let Ok(address) = u64::from_str_radix(&hex[2..], 16) else {
        return line.to_string();
    };
    // Return addresses point after the call (possibly past the end of the
    // caller): look up the call itself. Only the exception PC is exact.
    let exact = !(is_frame || is_lr) || trimmed.ends_with("(exception PC)");
    let lookup = if exact { address } else { address.saturating_sub(4) };
    match kernel.symbolize(lookup) {
        Some(symbol) => format!("{line}  <{symbol}>"),
        None => line.to_string(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `text` with every `from` replaced by `to`.
fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, from).filter(|_| !from.is_empty()) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `crash_panic-0123abcd` -> `crash_panic`.
fn test_name(elf_path: &Path) -> String {
    let stem = elf_path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records when each write came; the first one stalls, as a host
    /// holding the writer back would.
    struct StallingLine {
        writes: Vec<Instant>,
        stall: Duration,
    }

    impl Write for StallingLine {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.writes.is_empty() {
                std::thread::sleep(self.stall);
            }
            self.writes.push(Instant::now());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn paced_writes_do_not_burst_after_a_stall() {
        // 2,000 bytes/s in writes of 10 bytes: 5 ms of line time each. The
        // first write stalls for all six writes' time.
        let mut line = StallingLine { writes: Vec::new(), stall: Duration::from_millis(30) };
        write_paced(&mut line, &[0; 60], Some(2_000)).unwrap();
        assert_eq!(line.writes.len(), 6);
        // From the second write to the sixth is still four writes' line time
        // (a sleep never ends early; catching up would send them at once).
        let after_stall = line.writes[5] - line.writes[1];
        assert!(after_stall >= Duration::from_millis(19), "burst: {after_stall:?}");
    }

    #[test]
    fn names_strip_cargo_hashes() {
        assert_eq!(
            test_name(Path::new("target/x/deps/crash_panic-0123456789abcdef")),
            "crash_panic"
        );
        assert_eq!(test_name(Path::new("target/x/release/kernel")), "kernel");
        assert_eq!(test_name(Path::new("a/boot-el3")), "boot-el3");
    }

    #[test]
    fn replaces_every_occurrence() {
        assert_eq!(replace(b"a{x}b{x}", b"{x}", b"12"), b"a12b12");
        assert_eq!(replace(b"none", b"{x}", b"12"), b"none");
    }

    #[test]
    fn find_bytes() {
        assert_eq!(find(b"abc*** KERNEL", CRASH_MARKER), Some(3));
        assert_eq!(find(b"abc", b"d"), None);
        assert_eq!(find(b"abc", b""), Some(0));
    }
}
