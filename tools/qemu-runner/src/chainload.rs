//! `qemu-runner chainload`: the serial chainloader tested end to end in QEMU.
//!
//! The chainloader boots with its UART on a Unix socket. The runner first
//! plays a misbehaving host on that socket — a bad magic, an oversized header,
//! an image with one flipped bit, a transfer that stops half-way — and checks
//! that each is refused with its message and that the loader is ready again.
//! Then the real host tool (`chainboot`) pushes a kernel, the runner waits for
//! that kernel's banner and prompt in the tool's terminal, types `poweroff`
//! into it, and QEMU must exit with status 0. Every case prints a line.

use crate::elf::KernelElf;
use driver_core::chainload::{
    ENQUIRY, ERROR_LINE, HEADER_LEN, Header, MAGIC, READY_LINE, STALL_TIMEOUT_MS, ready_line_limit,
};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the kernel prints once it is up: its banner's first word and the prompt.
const KERNEL_BANNER: &str = "async-pi 0.1";
const KERNEL_PROMPT: &str = "\n> ";

/// Runs every chainload case for the loader at `loader_elf`, pushing `kernel_image`.
pub fn run(loader_elf: &Path, kernel_image: &Path, tool: &Path) -> Result<ExitCode, String> {
    let loader = KernelElf::read(loader_elf)?;
    let board = loader.board.clone().unwrap_or_default();
    let machine = crate::machine_for(loader.board.as_deref())?;
    let kernel = std::fs::read(kernel_image)
        .map_err(|e| format!("cannot read {}: {e}", kernel_image.display()))?;
    let loader_image = crate::image_beside(loader_elf, &loader)?;
    let socket =
        std::env::temp_dir().join(format!("qemu-runner-{}-chainload.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);

    let mut chardev = std::ffi::OsString::from("socket,id=serial,server=on,wait=off,path=");
    chardev.push(&socket);
    let qemu = Command::new(crate::qemu_binary())
        .args(["-M", machine, "-display", "none", "-monitor", "none", "-chardev"])
        .arg(chardev)
        .args(["-serial", "chardev:serial", "-kernel"])
        .arg(&loader_image)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(crate::qemu_missing)?;
    let mut qemu = KillOnDrop(qemu);
    let started = Instant::now();
    while !socket.exists() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("QEMU did not create {}", socket.display()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut failures = 0;
    let mut report = |case: &str, result: Result<String, String>| match result {
        Ok(detail) => println!("qemu-test {board} chainload: {case} ... ok ({detail})"),
        Err(reason) => {
            failures += 1;
            println!("qemu-test {board} chainload: {case} ... FAILED: {reason}");
        }
    };

    // The misbehaving host, on one connection.
    let mut host = Host::connect(&socket)?;
    let limit = host.ready();
    report(
        "ready on enquiry",
        limit.as_ref().map(|limit| format!("takes up to {limit} bytes")).map_err(Clone::clone),
    );
    let Ok(limit) = limit else {
        return finish(failures, &mut qemu, &host.transcript);
    };
    report("bad magic refused", host.refused(b"HELLO\r\n", "bad magic 48"));
    let mut oversized = Vec::from(MAGIC);
    oversized.extend_from_slice(&(limit + 1).to_le_bytes());
    oversized.extend_from_slice(&0u32.to_le_bytes());
    report("oversized image refused", host.refused(&oversized, "does not fit"));
    let header = Header::for_image(&kernel).map_err(|e| e.to_string())?;
    let mut corrupted = header.to_bytes().to_vec();
    corrupted.extend_from_slice(&kernel);
    corrupted[HEADER_LEN + kernel.len() / 2] ^= 0x10;
    report("corrupted image refused", host.refused(&corrupted, "CRC-32 mismatch"));
    let mut partial = header.to_bytes().to_vec();
    partial.extend_from_slice(&kernel[..1000]);
    let stalled = format!("transfer stalled after 1000 of {} bytes", kernel.len());
    report("stalled transfer times out", host.refused(&partial, &stalled));
    let transcript = std::mem::take(&mut host.transcript);
    drop(host);

    // The host tool: refuses what cannot fit, then pushes the kernel.
    let too_big =
        std::env::temp_dir().join(format!("qemu-runner-{}-too-big.img", std::process::id()));
    report(
        "chainboot refuses an image over the limit",
        tool_refuses(tool, &socket, &too_big, limit),
    );
    let _ = std::fs::remove_file(&too_big);
    report(
        "chainboot pushes a kernel that boots",
        tool_boots(tool, &socket, kernel_image, &mut qemu.0),
    );
    let _ = std::fs::remove_file(&socket);
    finish(failures, &mut qemu, &transcript)
}

fn finish(failures: usize, qemu: &mut KillOnDrop, transcript: &[u8]) -> Result<ExitCode, String> {
    if failures == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    if !transcript.is_empty() {
        println!("---- console ----\n{}", String::from_utf8_lossy(transcript));
    }
    let _ = qemu.0.kill();
    Ok(ExitCode::FAILURE)
}

/// The runner as a (misbehaving) host on the loader's serial line.
struct Host {
    stream: UnixStream,
    /// Everything the loader said on this connection.
    transcript: Vec<u8>,
    /// Where in `transcript` the next expectation starts looking.
    seen: usize,
}

impl Host {
    fn connect(socket: &Path) -> Result<Host, String> {
        let stream = UnixStream::connect(socket)
            .map_err(|e| format!("cannot connect to {}: {e}", socket.display()))?;
        stream.set_read_timeout(Some(Duration::from_millis(50))).map_err(|e| e.to_string())?;
        Ok(Host { stream, transcript: Vec::new(), seen: 0 })
    }

    /// Asks until the loader says it is ready; returns its size limit.
    fn ready(&mut self) -> Result<u32, String> {
        for _ in 0..10 {
            self.send(&[ENQUIRY])?;
            if let Ok(line) = self.expect_line(READY_LINE, Duration::from_secs(1)) {
                return ready_line_limit(&line).ok_or(format!("no size limit in {line:?}"));
            }
        }
        Err("no ready line after 10 enquiries".into())
    }

    /// Sends `bytes`; the loader must print an error line containing `reason`
    /// and then be ready again.
    fn refused(&mut self, bytes: &[u8], reason: &str) -> Result<String, String> {
        self.send(bytes)?;
        let timeout = Duration::from_millis(STALL_TIMEOUT_MS) + Duration::from_secs(5);
        let error = self.expect_line(ERROR_LINE, timeout)?;
        if !error.contains(reason) {
            return Err(format!("expected an error with {reason:?}, got {error:?}"));
        }
        // Generous: QEMU may be starved of host CPU on a loaded machine.
        self.expect_line(READY_LINE, Duration::from_secs(10))?;
        Ok(error.trim_start_matches(ERROR_LINE).trim().to_string())
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream.write_all(bytes).map_err(|e| format!("cannot write to the loader: {e}"))
    }

    /// Waits for a line starting with `prefix`; fails on a line saying the
    /// loader starts an image, on a closed link, or after `timeout`.
    fn expect_line(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(end) = self.transcript[self.seen..].iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&self.transcript[self.seen..self.seen + end]);
                let line = line.trim_matches(['\r', '\n']).to_string();
                self.seen += end + 1;
                if line.contains("starting it") {
                    return Err(format!("the loader started an image: {line:?}"));
                }
                if line.starts_with(prefix) {
                    return Ok(line);
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no line starting with {prefix:?} within {} s",
                    timeout.as_secs()
                ));
            }
            let mut buffer = [0u8; 1024];
            match self.stream.read(&mut buffer) {
                Ok(0) => return Err("the loader's serial line closed".into()),
                Ok(n) => self.transcript.extend_from_slice(&buffer[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(format!("cannot read from the loader: {e}")),
            }
        }
    }
}

/// `chainboot` with an image one byte over the loader's limit: exit status 2
/// and the reason on stderr, and nothing sent that the loader would start.
fn tool_refuses(tool: &Path, socket: &Path, too_big: &Path, limit: u32) -> Result<String, String> {
    let file = std::fs::File::create(too_big)
        .map_err(|e| format!("cannot create {}: {e}", too_big.display()))?;
    file.set_len(u64::from(limit) + 1).map_err(|e| e.to_string())?;
    drop(file);
    let output = Command::new(tool)
        .args(["--wait", "10", "--no-terminal"])
        .arg(device(socket))
        .arg(too_big)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(2) if stderr.contains("takes at most") => Ok("exit status 2".into()),
        _ => Err(format!("expected exit status 2 and a refusal, got {}: {stderr}", output.status)),
    }
}

/// `chainboot` pushes the kernel; its banner and prompt must come through the
/// tool's terminal, and `poweroff` typed into it must end QEMU with status 0
/// (the link closes, and the tool with it).
fn tool_boots(
    tool: &Path,
    socket: &Path,
    kernel_image: &Path,
    qemu: &mut Child,
) -> Result<String, String> {
    let started = Instant::now();
    let child = Command::new(tool)
        .args(["--wait", "10"])
        .arg(device(socket))
        .arg(kernel_image)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    let mut tool_process = KillOnDrop(child);
    let (output, from_tool) = mpsc::channel();
    let mut stdout = tool_process.0.stdout.take().expect("piped");
    std::thread::spawn(move || {
        let mut buffer = [0u8; 1024];
        while let Ok(n @ 1..) = stdout.read(&mut buffer) {
            if output.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stderr = tool_process.0.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    // The kernel's banner, then its prompt, in the terminal.
    let mut terminal = Vec::new();
    let deadline = started + Duration::from_secs(30);
    let booted = loop {
        let text = String::from_utf8_lossy(&terminal);
        if let Some(banner) = text.find(KERNEL_BANNER)
            && text[banner..].contains(KERNEL_PROMPT)
        {
            break true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match from_tool.recv_timeout(left) {
            Ok(bytes) => terminal.extend_from_slice(&bytes),
            Err(_) => break false,
        }
    };
    let banner_after = started.elapsed();
    if !booted {
        let _ = tool_process.0.kill();
        let errors = errors.join().unwrap_or_default();
        return Err(format!(
            "no kernel banner and prompt within 30 s; chainboot said:\n{errors}terminal:\n{}",
            String::from_utf8_lossy(&terminal)
        ));
    }

    // Typed into the tool, executed by the kernel: QEMU powers off.
    let mut stdin = tool_process.0.stdin.take().expect("piped");
    stdin.write_all(b"poweroff\r").map_err(|e| format!("cannot type into chainboot: {e}"))?;
    let qemu_status = wait_for_exit(qemu, Duration::from_secs(10))
        .ok_or("QEMU did not exit within 10 s of 'poweroff'")?;
    let tool_status = wait_for_exit(&mut tool_process.0, Duration::from_secs(10))
        .ok_or("chainboot did not exit within 10 s of QEMU")?;
    let errors = errors.join().unwrap_or_default();
    if !qemu_status.success() {
        return Err(format!("QEMU exited with {qemu_status} after 'poweroff'"));
    }
    if !tool_status.success() || !errors.contains("image ok") {
        return Err(format!("chainboot exited with {tool_status}:\n{errors}"));
    }
    Ok(format!(
        "{} bytes, banner after {:.1} s, QEMU exit 0",
        std::fs::metadata(kernel_image).map(|m| m.len()).unwrap_or(0),
        banner_after.as_secs_f64()
    ))
}

/// Waits up to `timeout` for `process` to exit.
pub fn wait_for_exit(process: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = process.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The tool's name for a Unix socket.
fn device(socket: &Path) -> std::ffi::OsString {
    let mut device = std::ffi::OsString::from("unix:");
    device.push(socket);
    device
}

/// QEMU, killed if the test ends early.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
