//! chainboot: pushes a kernel image to the serial chainloader
//! (`make chainloader` puts it on the SD card) and then becomes a terminal to
//! the board, so each new build runs without moving the SD card.
//!
//! ```text
//! chainboot [--wait SECONDS] [--no-terminal] DEVICE IMAGE
//!   DEVICE   a serial device (/dev/ttyUSB0; set to 115200 8N1 raw) or
//!            unix:PATH, a QEMU `-chardev socket` (make chainboot-qemu)
//!   IMAGE    the raw kernel8.img to push
//!   --wait   how long to wait for the chainloader to answer (default 60 s,
//!            at most a day; reset the board meanwhile)
//!   --no-terminal  exit once the chainloader has accepted the image
//! ```
//!
//! Exit status: 0 when the image was accepted (and the terminal ended),
//! 1 for a usage or link error, 2 when the chainloader refused the image.
//! Protocol: `driver_core::chainload`; workflow: docs/hardware.md.

mod port;
mod push;
mod terminal;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Parsed command line.
struct Options {
    device: String,
    image: String,
    wait: Duration,
    terminal: bool,
}

/// The longest `--wait` taken: a day (a longer one is surely a typo, and
/// would overflow the clock arithmetic if it were huge).
const MAX_WAIT_SECONDS: u64 = 24 * 60 * 60;

/// The largest image the chainload protocol can describe (its size field is
/// 32 bits); the loader states its own, smaller limit when it answers.
const MAX_IMAGE_BYTES: u64 = u32::MAX as u64;

const USAGE: &str = "usage: chainboot [--wait SECONDS] [--no-terminal] DEVICE IMAGE\n\
    DEVICE: a serial device such as /dev/ttyUSB0, or unix:PATH for a QEMU socket";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        device: String::new(),
        image: String::new(),
        wait: Duration::from_secs(60),
        terminal: true,
    };
    let mut positional = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--wait" => {
                let value = args.next().ok_or("--wait needs a number of seconds")?;
                let seconds: u64 =
                    value.parse().map_err(|_| format!("--wait takes seconds, not {value:?}"))?;
                if seconds > MAX_WAIT_SECONDS {
                    return Err(format!(
                        "--wait takes at most {MAX_WAIT_SECONDS} seconds (a day), not {seconds}"
                    ));
                }
                options.wait = Duration::from_secs(seconds);
            }
            "--no-terminal" => options.terminal = false,
            "-h" | "--help" => return Err(USAGE.into()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n{USAGE}"));
            }
            other => positional.push(other.to_string()),
        }
    }
    match <[String; 2]>::try_from(positional) {
        Ok([device, image]) => {
            options.device = device;
            options.image = image;
            Ok(options)
        }
        Err(_) => Err(USAGE.into()),
    }
}

/// Reports progress on stderr: a bar redrawn in place on a terminal, a
/// single summary line otherwise.
struct Console {
    interactive: bool,
    last_percent: Option<usize>,
}

impl push::Observer for Console {
    fn board_line(&mut self, line: &str) {
        eprintln!("board: {line}");
    }

    fn waiting_for_loader(&mut self) {
        eprintln!(
            "chainboot: waiting for the chainloader; reset or power-cycle the board \
             (its SD card must hold the chainloader as kernel8.img)"
        );
    }

    fn progress(&mut self, sent: usize, total: usize, elapsed: Duration) {
        let percent = sent * 100 / total.max(1);
        if Some(percent) == self.last_percent || (!self.interactive && sent < total) {
            return;
        }
        self.last_percent = Some(percent);
        const WIDTH: usize = 32;
        let filled = sent * WIDTH / total.max(1);
        let rate = sent as f64 / elapsed.as_secs_f64().max(1e-3) / 1024.0;
        eprint!(
            "{}[{}{}] {percent:3}%  {:.1}/{:.1} KiB  {rate:.1} KiB/s{}",
            if self.interactive { "\r" } else { "" },
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            sent as f64 / 1024.0,
            total as f64 / 1024.0,
            if sent == total { "\n" } else { "" },
        );
    }
}

fn run(options: &Options) -> Result<ExitCode, String> {
    let cannot_read = |e: std::io::Error| format!("cannot read {}: {e}", options.image);
    // Checked before reading it all into memory.
    let size = std::fs::metadata(&options.image).map_err(cannot_read)?.len();
    if size > MAX_IMAGE_BYTES {
        return Err(format!(
            "{} is {size} bytes; the chainload protocol carries at most {MAX_IMAGE_BYTES}",
            options.image
        ));
    }
    let image = std::fs::read(&options.image).map_err(cannot_read)?;
    if image.is_empty() {
        return Err(format!("{} is empty", options.image));
    }
    let mut port = port::Port::open(&options.device)?;
    eprintln!("chainboot: pushing {} ({} bytes) to {}", options.image, image.len(), port.name);
    let mut console = Console { interactive: std::io::stderr().is_terminal(), last_percent: None };
    let pushed = match push::push(&mut port, &image, options.wait, &mut console) {
        Ok(pushed) => pushed,
        Err(push::PushError::Rejected(reason)) => {
            eprintln!("chainboot: the chainloader refused the image: {reason}");
            return Ok(ExitCode::from(2));
        }
        Err(error) => return Err(error.to_string()),
    };
    let seconds = pushed.elapsed.as_secs_f64();
    eprintln!(
        "chainboot: {} ({:.1} KiB/s over {seconds:.1} s)",
        pushed.verdict,
        image.len() as f64 / 1024.0 / seconds.max(1e-3)
    );
    if !options.terminal {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("chainboot: terminal to {}; Ctrl-] leaves", port.name);
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(&pushed.leftover).and_then(|()| stdout.flush());
    let ended = terminal::run(&mut port).map_err(|e| format!("terminal: {e}"))?;
    match ended {
        terminal::Ended::Escape => eprintln!("\r\nchainboot: left the terminal"),
        terminal::Ended::LinkClosed => eprintln!("\r\nchainboot: {} closed", port.name),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args).and_then(|options| run(&options)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("chainboot: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn the_command_line_is_parsed() {
        let options = parse(&args(&["--wait", "5", "/dev/ttyUSB0", "k.img"])).unwrap();
        assert_eq!((options.device.as_str(), options.image.as_str()), ("/dev/ttyUSB0", "k.img"));
        assert_eq!(options.wait, Duration::from_secs(5));
        assert!(options.terminal);
        let options = parse(&args(&["--no-terminal", "unix:s", "k.img"])).unwrap();
        assert_eq!(options.wait, Duration::from_secs(60));
        assert!(!options.terminal);
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        let error = |words: &[&str]| parse(&args(words)).err().expect("refused");
        assert!(error(&["--wait", "soon", "d", "i"]).contains("--wait takes seconds"));
        assert!(error(&["--wait"]).contains("needs a number"));
        // A huge wait is refused instead of overflowing the deadline.
        let huge = error(&["--wait", "9223372036854775807", "d", "i"]);
        assert!(huge.contains("at most 86400 seconds"), "{huge}");
        assert!(parse(&args(&["--wait", "86400", "d", "i"])).is_ok());
        assert!(error(&["--fast", "d", "i"]).contains("unknown option --fast"));
        assert!(error(&["d"]).starts_with("usage:"));
        assert!(error(&["d", "i", "x"]).starts_with("usage:"));
    }
}
