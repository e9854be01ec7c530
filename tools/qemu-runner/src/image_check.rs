//! `qemu-runner boot-image ELF IMAGE`: the shipped kernel8.img boots.
//!
//! Test kernels are booted from their raw images; this checks the packed
//! `kernel8.img` itself (decompressor, header, compressed kernel) on the
//! ELF's board: the kernel's banner and prompt must appear and `poweroff`
//! must end QEMU with status 0. Then the same image damaged three ways (a
//! payload byte flipped; the header's packed size or load address changed)
//! must stop in the decompressor with its error message, never reaching the
//! kernel. One line per case, like the other tests.
//!
//! `qemu-runner boot-image --figures ELF IMAGE` instead prints the image's
//! figures for `make bench`: `FIGURE reset_to_prompt N instructions` (under
//! `-icount shift=0,sleep=off`, from the shell's `info`: the counter at its
//! first prompt, decompressor included) and `FIGURE image_size N bytes`.

use crate::elf::KernelElf;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BANNER: &str = "async-pi 0.1";
const PROMPT: &str = "\n> ";
const DECOMPRESSOR_ERROR: &str = "decompressor: error: ";

/// Runs both cases for `image`, built from the kernel at `elf`.
pub fn run(elf: &Path, image: &Path) -> Result<ExitCode, String> {
    let kernel = KernelElf::read(elf)?;
    let board = kernel.board.clone().unwrap_or_default();
    let machine = crate::machine_for(kernel.board.as_deref())?;
    let bytes =
        std::fs::read(image).map_err(|e| format!("cannot read {}: {e}", image.display()))?;
    let mut failed = false;
    let mut report = |case: &str, result: Result<String, String>| match result {
        Ok(detail) => println!("qemu-test {board} kernel8.img: {case} ... ok ({detail})"),
        Err(reason) => {
            failed = true;
            println!("qemu-test {board} kernel8.img: {case} ... FAILED: {reason}");
        }
    };

    report("boots to the prompt and powers off", boots(machine, image, bytes.len()));

    let header = kernel_image_start(&bytes);
    let middle = bytes.len() - (bytes.len() - header) / 2;
    // (case, offset of the byte changed, XOR mask, what the refusal says)
    let damages: [(&str, usize, u8, &str); 3] = [
        ("a damaged image is refused", middle, 0x55, ""),
        // Bit 31 of the header's packed size (offset 8, little-endian).
        ("a header with a packed size past the image is refused", header + 11, 0x80, "packed size"),
        // The load address 0x80000 becomes 0x180000 (offset 12).
        ("a header with another load address is refused", header + 14, 0x10, "load address"),
    ];
    let damaged_path = image.with_extension("damaged.img");
    for (case, offset, mask, says) in damages {
        let mut damaged = bytes.clone();
        damaged[offset] ^= mask;
        std::fs::write(&damaged_path, &damaged)
            .map_err(|e| format!("cannot write {}: {e}", damaged_path.display()))?;
        let result = refused(machine, &damaged_path).and_then(|reason| {
            if reason.contains(says) {
                Ok(reason)
            } else {
                Err(format!("refused for another reason: {reason:?} (expected {says:?})"))
            }
        });
        report(case, result);
    }
    let _ = std::fs::remove_file(&damaged_path);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Where the packed kernel's header is (just after the decompressor), found
/// by its magic; the whole image if there is none.
fn kernel_image_start(bytes: &[u8]) -> usize {
    bytes
        .chunks_exact(16)
        .position(|chunk| chunk[..4] == packed_image::MAGIC)
        .map_or(0, |index| index * 16)
}

/// QEMU on `machine` with `image`, console on pipes.
struct Qemu {
    child: std::process::Child,
    output: mpsc::Receiver<Vec<u8>>,
    console: Vec<u8>,
}

impl Qemu {
    fn start(machine: &str, image: &Path) -> Result<Qemu, String> {
        Self::start_with(machine, image, &[])
    }

    fn start_with(machine: &str, image: &Path, extra: &[&str]) -> Result<Qemu, String> {
        let mut child = Command::new(crate::qemu_binary())
            .args(extra)
            .args(["-M", machine, "-display", "none", "-monitor", "none", "-serial", "stdio"])
            .arg("-kernel")
            .arg(image)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(crate::qemu_missing)?;
        let mut stdout = child.stdout.take().expect("piped");
        let (send, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 1024];
            while let Ok(n @ 1..) = stdout.read(&mut buffer) {
                if send.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Ok(Qemu { child, output, console: Vec::new() })
    }

    /// Waits until the console contains `text` after position `from`.
    fn wait_for(&mut self, text: &str, from: usize, timeout: Duration) -> Result<usize, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = String::from_utf8_lossy(self.console.get(from..).unwrap_or_default());
            if let Some(at) = seen.find(text) {
                return Ok(from + at + text.len());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.console.extend_from_slice(&bytes),
                Err(_) => {
                    return Err(format!(
                        "no {text:?} within {} s; console:\n{}",
                        timeout.as_secs(),
                        String::from_utf8_lossy(&self.console)
                    ));
                }
            }
        }
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prints the image's `FIGURE` lines (see the module comment).
pub fn figures(elf: &Path, image: &Path) -> Result<ExitCode, String> {
    let kernel = KernelElf::read(elf)?;
    let machine = crate::machine_for(kernel.board.as_deref())?;
    let size = std::fs::metadata(image)
        .map_err(|e| format!("cannot read {}: {e}", image.display()))?
        .len();
    let mut qemu = Qemu::start_with(machine, image, &["-icount", "shift=0,sleep=off"])?;
    let after_banner = qemu.wait_for(BANNER, 0, Duration::from_secs(20))?;
    let at_prompt = qemu.wait_for(PROMPT, after_banner, Duration::from_secs(20))?;
    let stdin = qemu.child.stdin.as_mut().expect("piped");
    stdin.write_all(b"info\r").map_err(|e| format!("cannot type into QEMU: {e}"))?;
    let line = qemu.wait_for("reset    first prompt ", at_prompt, Duration::from_secs(20))?;
    let end = qemu.wait_for(" ns", line, Duration::from_secs(5))?;
    let text = String::from_utf8_lossy(&qemu.console[line..end - 3]).trim().to_string();
    let instructions: u64 =
        text.parse().map_err(|_| format!("not a number of nanoseconds: {text:?}"))?;
    println!("FIGURE reset_to_prompt {instructions} instructions");
    println!("FIGURE image_size {size} bytes");
    let stdin = qemu.child.stdin.as_mut().expect("piped");
    let _ = stdin.write_all(b"poweroff\r");
    Ok(ExitCode::SUCCESS)
}

fn boots(machine: &str, image: &Path, size: usize) -> Result<String, String> {
    let started = Instant::now();
    let mut qemu = Qemu::start(machine, image)?;
    let after_banner = qemu.wait_for(BANNER, 0, Duration::from_secs(20))?;
    qemu.wait_for(PROMPT, after_banner, Duration::from_secs(20))?;
    let prompt_after = started.elapsed();
    let stdin = qemu.child.stdin.as_mut().expect("piped");
    stdin.write_all(b"poweroff\r").map_err(|e| format!("cannot type into QEMU: {e}"))?;
    let status = crate::chainload::wait_for_exit(&mut qemu.child, Duration::from_secs(10))
        .ok_or("QEMU did not exit within 10 s of 'poweroff'")?;
    match status.code() {
        Some(0) => Ok(format!(
            "{size} bytes, prompt after {:.2} s, QEMU exit 0",
            prompt_after.as_secs_f64()
        )),
        _ => Err(format!("QEMU exited with {status} after 'poweroff'")),
    }
}

fn refused(machine: &str, image: &Path) -> Result<String, String> {
    let mut qemu = Qemu::start(machine, image)?;
    let at = qemu.wait_for(DECOMPRESSOR_ERROR, 0, Duration::from_secs(20))?;
    let end = qemu.wait_for("\n", at, Duration::from_secs(5))?;
    let reason = String::from_utf8_lossy(&qemu.console[at..end]).trim().to_string();
    // Give a wrongly started kernel a moment to show itself.
    let _ = qemu.wait_for(BANNER, end, Duration::from_millis(500));
    if String::from_utf8_lossy(&qemu.console).contains(BANNER) {
        return Err("the kernel started although the image is damaged".into());
    }
    Ok(reason)
}
