//! qemu-runner: boots the kernel's ELF files in QEMU.
//!
//! ```text
//! qemu-runner ELF                 cargo runner: a test kernel (one with a test
//!                                 spec) is run as a test, any other kernel
//!                                 interactively on this terminal
//! qemu-runner run [--gdb] [--console FILE] [--image IMG] ELF
//!                                 interactive: console on this terminal
//!                                 (Ctrl-A X quits, Ctrl-C goes to the kernel),
//!                                 or written to FILE; --gdb waits for a
//!                                 debugger on localhost:1234; --image boots
//!                                 IMG (e.g. the packed kernel8.img) instead
//!                                 of ELF's raw image
//! qemu-runner test ELF            run as a test and report pass/fail
//! qemu-runner image ELF OUT [--packed DECOMPRESSOR_ELF] [--max-size BYTES]
//!                                 write the kernel8.img the firmware loads:
//!                                 the raw image, or with --packed the
//!                                 decompressor followed by the compressed
//!                                 kernel; fail if it is larger than BYTES
//! qemu-runner boot-image [--figures] ELF IMAGE
//!                                 test a packed kernel8.img built from ELF:
//!                                 it boots to the prompt and powers off, and
//!                                 a damaged copy stops in the decompressor;
//!                                 --figures prints its reset-to-prompt
//!                                 instructions and size for make bench
//! qemu-runner chainload LOADER_ELF KERNEL_IMG --tool CHAINBOOT
//!                                 test the serial chainloader: refusals of
//!                                 bad input, then CHAINBOOT pushes KERNEL_IMG
//!                                 and it must boot to its prompt
//! ```
//!
//! The board (QEMU machine) comes from the ELF's `.kernel_board` section.
//! Environment: `QEMU` overrides the emulator binary; `QEMU_RUNNER_VERBOSE=1`
//! prints the whole console of passing tests too; `QEMU_COUNTER_HZ=board`
//! runs tests with the real board's generic-timer frequency (19.2 MHz on a
//! Pi 3, 54 MHz on a Pi 4) instead of QEMU's 62.5 MHz, and `{counter_hz}` in
//! a test's expectations stands for the frequency it booted with.

mod chainload;
mod elf;
mod image_check;
mod pack;
mod spec;
mod test;
mod trace;

use elf::KernelElf;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("image") => parse_image(&args[1..]).and_then(|image| write_image(&image)),
        Some("run") => parse_run(&args[1..]).and_then(|run| run_interactive(&run)),
        Some("test") => match &args[1..] {
            [elf] => test::run_test(Path::new(elf)),
            _ => Err(usage()),
        },
        Some("boot-image") => match &args[1..] {
            [elf, image] => image_check::run(Path::new(elf), Path::new(image)),
            [flag, elf, image] if flag == "--figures" => {
                image_check::figures(Path::new(elf), Path::new(image))
            }
            _ => Err(usage()),
        },
        Some("chainload") => match &args[1..] {
            [loader, kernel, flag, tool] if flag == "--tool" => {
                chainload::run(Path::new(loader), Path::new(kernel), Path::new(tool))
            }
            _ => Err(usage()),
        },
        Some("-h" | "--help") | None => Err(usage()),
        Some(elf) => {
            let path = Path::new(elf);
            match KernelElf::read(path) {
                Ok(kernel) if kernel.test_spec.is_some() => test::run_test(path),
                Ok(_) => run_interactive(&Run {
                    elf: path.to_path_buf(),
                    gdb: false,
                    console: None,
                    image: None,
                }),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("qemu-runner: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: qemu-runner ELF | run [--gdb] [--console FILE] [--image IMG] ELF | test ELF \
     | image ELF OUT [--packed DECOMPRESSOR_ELF] [--max-size BYTES] | chainload LOADER_ELF KERNEL_IMG --tool CHAINBOOT | boot-image [--figures] ELF IMAGE"
        .to_string()
}

/// Options of `qemu-runner run`.
struct Run {
    elf: PathBuf,
    gdb: bool,
    console: Option<PathBuf>,
    image: Option<PathBuf>,
}

fn parse_run(args: &[String]) -> Result<Run, String> {
    let mut run = Run { elf: PathBuf::new(), gdb: false, console: None, image: None };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--gdb" => run.gdb = true,
            "--console" => run.console = Some(args.next().ok_or_else(usage)?.into()),
            "--image" => run.image = Some(args.next().ok_or_else(usage)?.into()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            elf => run.elf = elf.into(),
        }
    }
    if run.elf.as_os_str().is_empty() {
        return Err(usage());
    }
    Ok(run)
}

/// Options of `qemu-runner image`.
struct ImageArgs {
    elf: PathBuf,
    out: PathBuf,
    packed: Option<PathBuf>,
    max_size: Option<usize>,
}

fn parse_image(args: &[String]) -> Result<ImageArgs, String> {
    let mut paths = Vec::new();
    let (mut packed, mut max_size) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--packed" => packed = Some(PathBuf::from(args.next().ok_or_else(usage)?)),
            "--max-size" => {
                let value = args.next().ok_or_else(usage)?;
                let bytes = value
                    .parse()
                    .map_err(|_| format!("--max-size takes a number of bytes, not {value:?}"))?;
                max_size = Some(bytes);
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            path => paths.push(PathBuf::from(path)),
        }
    }
    let [elf, out] = <[PathBuf; 2]>::try_from(paths).map_err(|_| usage())?;
    Ok(ImageArgs { elf, out, packed, max_size })
}

fn write_image(args: &ImageArgs) -> Result<ExitCode, String> {
    let kernel = KernelElf::read(&args.elf)?;
    if kernel.load_address != 0x80000 {
        return Err(format!("image loads at {:#x}, not 0x80000", kernel.load_address));
    }
    let image = match &args.packed {
        Some(decompressor) => pack::pack(&kernel, &KernelElf::read(decompressor)?)?,
        None => kernel.image.clone(),
    };
    let out = &args.out;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(out, &image).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let size = image.len();
    let kib = |bytes: usize| bytes as f64 / 1024.0;
    match &args.packed {
        Some(_) => println!(
            "{}: {size} bytes ({:.1} KiB), packed: the kernel's {} bytes ({:.1} KiB) behind the decompressor",
            out.display(),
            kib(size),
            kernel.image.len(),
            kib(kernel.image.len())
        ),
        None => println!("{}: {size} bytes ({:.1} KiB)", out.display(), kib(size)),
    }
    match args.max_size {
        Some(max) if size > max => {
            Err(format!("{} is {size} bytes, over the {max}-byte budget", out.display()))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// The QEMU machine for a board name.
pub fn machine_for(board: Option<&str>) -> Result<&'static str, String> {
    match board {
        Some("rpi3") => Ok("raspi3b"),
        Some("rpi4") => Ok("raspi4b"),
        Some(other) => Err(format!("unknown board {other:?} in the ELF")),
        None => Err("the ELF has no .kernel_board section (not built from this kernel?)".into()),
    }
}

/// QEMU's generic-timer frequency when no `cntfrq` is given (62.5 MHz).
pub const QEMU_COUNTER_HZ: u64 = 62_500_000;

/// The counter frequency to boot with, from `QEMU_COUNTER_HZ`: unset or
/// `qemu` keeps QEMU's own, `board` takes the real board's (19.2 MHz on a
/// Pi 3, 54 MHz on a Pi 4), a number is taken as Hz.
pub fn counter_hz(board: &str) -> Result<Option<u64>, String> {
    match std::env::var("QEMU_COUNTER_HZ").as_deref() {
        Err(_) | Ok("" | "qemu") => Ok(None),
        Ok("board") => match board {
            "rpi3" => Ok(Some(19_200_000)),
            "rpi4" => Ok(Some(54_000_000)),
            other => Err(format!("no counter frequency known for board {other:?}")),
        },
        Ok(hz) => hz.parse().map(Some).map_err(|_| {
            format!("QEMU_COUNTER_HZ must be qemu, board or a number of Hz, not {hz:?}")
        }),
    }
}

/// QEMU's CPU type on a machine (for `-global TYPE.cntfrq=...`).
pub fn cpu_type_for(machine: &str) -> &'static str {
    if machine == "raspi3b" { "cortex-a53-arm-cpu" } else { "cortex-a72-arm-cpu" }
}

/// The emulator binary.
pub fn qemu_binary() -> String {
    std::env::var("QEMU").unwrap_or_else(|_| "qemu-system-aarch64".into())
}

/// Writes the raw image next to the ELF and returns its path.
pub fn image_beside(elf_path: &Path, kernel: &KernelElf) -> Result<PathBuf, String> {
    let mut name = elf_path.as_os_str().to_owned();
    name.push(".img");
    let path = PathBuf::from(name);
    std::fs::write(&path, &kernel.image)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

fn run_interactive(run: &Run) -> Result<ExitCode, String> {
    let kernel = KernelElf::read(&run.elf)?;
    let machine = machine_for(kernel.board.as_deref())?;
    let image = match &run.image {
        Some(image) => image.clone(),
        None => image_beside(&run.elf, &kernel)?,
    };
    let mut command = Command::new(qemu_binary());
    command.args(["-M", machine, "-display", "none", "-kernel"]).arg(&image);
    match &run.console {
        Some(file) => {
            let mut chardev = std::ffi::OsString::from("file,id=console,path=");
            chardev.push(file);
            command.arg("-chardev").arg(chardev);
            command.args(["-serial", "chardev:console", "-monitor", "none"]);
        }
        None => {
            // One stdio chardev multiplexed between the serial port and the
            // monitor: signal=off passes Ctrl-C to the kernel; Ctrl-A X quits,
            // Ctrl-A C toggles the QEMU monitor.
            command.args(["-chardev", "stdio,id=console,mux=on,signal=off"]);
            command.args(["-serial", "chardev:console", "-mon", "chardev=console,mode=readline"]);
        }
    }
    if run.gdb {
        command.args(["-s", "-S"]);
        eprintln!("qemu-runner: QEMU waits for a debugger on localhost:1234");
    }
    match &run.console {
        Some(file) => eprintln!(
            "qemu-runner: booting {} on {machine}, console in {}",
            image.display(),
            file.display()
        ),
        None => eprintln!("qemu-runner: booting {} on {machine} (Ctrl-A X quits)", image.display()),
    }
    let status = command.status().map_err(qemu_missing)?;
    Ok(ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8))
}

/// The error for an emulator that could not be started.
pub fn qemu_missing(error: std::io::Error) -> String {
    format!(
        "cannot start {}: {error} (run tools/setup.sh qemu, or 'make qemu' which does)",
        qemu_binary()
    )
}
