//! The shell's commands: a table of what exists (for `help`) and a parser
//! from a submitted line to a typed [`Command`].
//!
//! Parsing is strict and total: every line gives either a command whose
//! arguments are in range, or a [`ParseError`] whose `Display` is the message
//! the shell prints (`error: unknown command 'x' (try 'help')`, or the
//! command's usage line). Words are separated by ASCII spaces or tabs;
//! numbers are plain decimal.

use core::fmt;

/// One entry of the command table.
#[derive(Debug, PartialEq, Eq)]
pub struct CommandInfo {
    /// The word that runs it.
    pub name: &'static str,
    /// Its arguments, as `help CMD` and usage errors print them (`sleep MS`).
    pub usage: &'static str,
    /// One line saying what it does, for `help`.
    pub summary: &'static str,
    /// More detail for `help CMD` (argument ranges, what Ctrl-C does); may be empty.
    pub detail: &'static str,
}

/// Largest `sleep` accepted, in milliseconds (one day).
pub const MAX_SLEEP_MS: u64 = 86_400_000;
/// Most tasks one `spawn` creates.
pub const MAX_SPAWN_TASKS: u32 = 1_000_000;
/// Longest sleep of a `spawn`ed task, in milliseconds (one minute).
pub const MAX_SPAWN_MS: u64 = 60_000;
/// Most bytes one `crc32` reads (16 MiB).
pub const MAX_CRC32_LEN: u32 = 16 << 20;
/// Highest GPIO number the parser accepts; the kernel checks the board's own range.
pub const MAX_GPIO: u32 = 63;

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "help",
        usage: "help [CMD]",
        summary: "list the commands, or show how to use one",
        detail: "",
    },
    CommandInfo {
        name: "ps",
        usage: "ps",
        summary: "list live tasks: id, name, state, polls, poll time",
        detail: "State is what the task is doing as ps looks: running (ps itself), \
                 ready (queued to run) or waiting (for a wake).",
    },
    CommandInfo {
        name: "top",
        usage: "top",
        summary: "ps refreshed every second, with the CPU's idle time; Ctrl-C stops",
        detail: "Idle is the share of the last second the core spent in WFI.",
    },
    CommandInfo { name: "uptime", usage: "uptime", summary: "time since boot", detail: "" },
    CommandInfo {
        name: "mem",
        usage: "mem",
        summary: "heap size, used, free, peak and failed allocations",
        detail: "",
    },
    CommandInfo {
        name: "info",
        usage: "info",
        summary: "board, SoC, cores, RAM, timer, kernel version, boot time, UART counters",
        detail: "",
    },
    CommandInfo {
        name: "sleep",
        usage: "sleep MS",
        summary: "sleep MS milliseconds while other tasks run; Ctrl-C stops",
        detail: "MS: 0 to 86400000 (one day).",
    },
    CommandInfo {
        name: "spawn",
        usage: "spawn N MS",
        summary: "spawn N tasks that each sleep MS ms and exit; Ctrl-C stops waiting",
        detail: "N: 1 to 1000000; MS: 0 to 60000. Prints how long spawning took and the \
                 heap bytes each task costs, then waits for them all. Stops early, with an \
                 error, when only the heap's reserve (an eighth) is left.",
    },
    CommandInfo {
        name: "gpio",
        usage: "gpio PIN [in|out|high|low|pull up|down|none|wait rising|falling|any]",
        summary: "read a GPIO pin, set it up, or wait for an edge",
        detail: "Without an action: print the pin's level and function. `high` and `low` \
                 set the level, then make the pin an output. `wait` prints the level \
                 after the edge; Ctrl-C stops waiting. QEMU models no GPIO edges.",
    },
    CommandInfo {
        name: "crc32",
        usage: "crc32 LEN",
        summary: "read LEN raw bytes from the console and print their CRC-32",
        detail: "LEN: 0 to 16777216. The bytes after the line's end are data: not echoed \
                 or edited, Ctrl-C included; prints `crc32 xxxxxxxx LEN` (CRC-32/IEEE). \
                 Gives up if no byte arrives for 5 seconds.",
    },
    CommandInfo {
        name: "bench",
        usage: "bench",
        summary: "run the in-kernel microbenchmarks (ns and CPU cycles)",
        detail: "Yield round trip, spawn + join, channel ping-pong, timer wake latency.",
    },
    CommandInfo { name: "echo", usage: "echo [TEXT]", summary: "print TEXT", detail: "" },
    CommandInfo { name: "clear", usage: "clear", summary: "clear the screen", detail: "" },
    CommandInfo { name: "reboot", usage: "reboot", summary: "restart the board", detail: "" },
    CommandInfo {
        name: "poweroff",
        usage: "poweroff",
        summary: "power off (QEMU exits with status 0)",
        detail: "",
    },
];

/// The table entry named `name`.
pub fn find(name: &str) -> Option<&'static CommandInfo> {
    COMMANDS.iter().find(|info| info.name == name)
}

/// A parsed command line, arguments checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// `help` (all commands) or `help CMD`.
    Help(Option<&'static CommandInfo>),
    /// `ps`.
    Ps,
    /// `top`.
    Top,
    /// `uptime`.
    Uptime,
    /// `mem`.
    Mem,
    /// `info`.
    Info,
    /// `sleep MS`.
    Sleep {
        /// Milliseconds.
        ms: u64,
    },
    /// `spawn N MS`.
    Spawn {
        /// How many tasks.
        tasks: u32,
        /// How long each sleeps, in milliseconds.
        ms: u64,
    },
    /// `gpio PIN [ACTION]`.
    Gpio {
        /// The GPIO number (at most [`MAX_GPIO`]; the board may have fewer).
        pin: u32,
        /// What to do with it.
        action: GpioAction,
    },
    /// `crc32 LEN`.
    Crc32 {
        /// Bytes to read.
        len: u32,
    },
    /// `bench`.
    Bench,
    /// `echo TEXT`: the text after the command word, its inner spacing kept.
    Echo(&'a str),
    /// `clear`.
    Clear,
    /// `reboot`.
    Reboot,
    /// `poweroff`.
    Poweroff,
}

/// What `gpio PIN ...` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpioAction {
    /// No action: print level and function.
    Read,
    /// `in`: make it an input.
    Input,
    /// `out`: make it an output (level unchanged).
    Output,
    /// `high`: drive it high (making it an output).
    High,
    /// `low`: drive it low (making it an output).
    Low,
    /// `pull up|down|none`.
    Pull(PullSetting),
    /// `wait rising|falling|any`.
    Wait(EdgeSetting),
}

/// A pull resistor setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullSetting {
    /// Pull-up.
    Up,
    /// Pull-down.
    Down,
    /// Neither.
    None,
}

/// An edge to wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeSetting {
    /// Low to high.
    Rising,
    /// High to low.
    Falling,
    /// Either.
    Any,
}

/// Why a line is not a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError<'a> {
    /// Nothing but spaces: the shell just prints a new prompt.
    Empty,
    /// The first word names no command (also `help WORD`).
    Unknown(&'a str),
    /// The command exists but its arguments are wrong.
    Usage(&'static CommandInfo),
}

impl fmt::Display for ParseError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => Ok(()),
            Self::Unknown(name) => {
                f.write_str("error: unknown command '")?;
                // The line is printable ASCII from the editor, but keep the
                // message a single readable line whatever the caller passes.
                for c in name.chars() {
                    if c.is_ascii_graphic() {
                        fmt::Write::write_char(f, c)?;
                    } else {
                        write!(f, "\\x{:02x}", u32::from(c).min(0xff))?;
                    }
                }
                f.write_str("' (try 'help')")
            }
            Self::Usage(info) => write!(f, "usage: {}", info.usage),
        }
    }
}

fn is_separator(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Parses a decimal number in `0..=max`.
fn number<T: TryFrom<u64>>(word: &str, max: u64) -> Option<T> {
    if word.is_empty() || word.len() > 20 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = word.parse::<u64>().ok()?;
    if value > max {
        return None;
    }
    T::try_from(value).ok()
}

/// Parses one submitted line.
pub fn parse(line: &str) -> Result<Command<'_>, ParseError<'_>> {
    // (No indexing of the str: `split_once` has no panic path to link in.)
    let trimmed = line.trim_matches(is_separator);
    let (name, rest) = match trimmed.split_once(is_separator) {
        Some((name, rest)) => (name, rest.trim_start_matches(is_separator)),
        None => (trimmed, ""),
    };
    if name.is_empty() {
        return Err(ParseError::Empty);
    }
    let info = find(name).ok_or(ParseError::Unknown(name))?;
    let usage = ParseError::Usage(info);
    let mut args = rest.split(is_separator).filter(|w| !w.is_empty());
    // Collect up to four words; more than the command takes is a usage error.
    let mut words: [&str; 4] = [""; 4];
    let mut count = 0;
    for word in args.by_ref() {
        if count == words.len() {
            count += 1;
            break;
        }
        words[count] = word;
        count += 1;
    }
    let words = &words[..count.min(4)];
    let too_many = count > 4;
    let command = match (info.name, words) {
        ("echo", _) => Command::Echo(rest),
        _ if too_many => return Err(usage),
        ("help", []) => Command::Help(None),
        ("help", [topic]) => Command::Help(Some(find(topic).ok_or(ParseError::Unknown(topic))?)),
        ("ps", []) => Command::Ps,
        ("top", []) => Command::Top,
        ("uptime", []) => Command::Uptime,
        ("mem", []) => Command::Mem,
        ("info", []) => Command::Info,
        ("sleep", [ms]) => Command::Sleep { ms: number(ms, MAX_SLEEP_MS).ok_or(usage)? },
        ("spawn", [tasks, ms]) => {
            let tasks: u32 = number(tasks, u64::from(MAX_SPAWN_TASKS)).ok_or(usage)?;
            if tasks == 0 {
                return Err(usage);
            }
            Command::Spawn { tasks, ms: number(ms, MAX_SPAWN_MS).ok_or(usage)? }
        }
        ("gpio", [pin, action @ ..]) => {
            let pin = number(pin, u64::from(MAX_GPIO)).ok_or(usage)?;
            let action = match action {
                [] => GpioAction::Read,
                ["in"] => GpioAction::Input,
                ["out"] => GpioAction::Output,
                ["high"] => GpioAction::High,
                ["low"] => GpioAction::Low,
                ["pull", "up"] => GpioAction::Pull(PullSetting::Up),
                ["pull", "down"] => GpioAction::Pull(PullSetting::Down),
                ["pull", "none"] => GpioAction::Pull(PullSetting::None),
                ["wait", "rising"] => GpioAction::Wait(EdgeSetting::Rising),
                ["wait", "falling"] => GpioAction::Wait(EdgeSetting::Falling),
                ["wait", "any"] => GpioAction::Wait(EdgeSetting::Any),
                _ => return Err(usage),
            };
            Command::Gpio { pin, action }
        }
        ("crc32", [len]) => {
            Command::Crc32 { len: number(len, u64::from(MAX_CRC32_LEN)).ok_or(usage)? }
        }
        ("bench", []) => Command::Bench,
        ("clear", []) => Command::Clear,
        ("reboot", []) => Command::Reboot,
        ("poweroff", []) => Command::Poweroff,
        _ => return Err(usage),
    };
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn every_command_parses_with_good_arguments() {
        assert_eq!(parse("help"), Ok(Command::Help(None)));
        assert_eq!(parse("help sleep"), Ok(Command::Help(find("sleep"))));
        assert_eq!(parse("ps"), Ok(Command::Ps));
        assert_eq!(parse("top"), Ok(Command::Top));
        assert_eq!(parse("uptime"), Ok(Command::Uptime));
        assert_eq!(parse("mem"), Ok(Command::Mem));
        assert_eq!(parse("info"), Ok(Command::Info));
        assert_eq!(parse("sleep 250"), Ok(Command::Sleep { ms: 250 }));
        assert_eq!(parse("spawn 10000 10"), Ok(Command::Spawn { tasks: 10_000, ms: 10 }));
        assert_eq!(parse("gpio 17"), Ok(Command::Gpio { pin: 17, action: GpioAction::Read }));
        assert_eq!(
            parse("gpio 17 in").unwrap(),
            Command::Gpio { pin: 17, action: GpioAction::Input }
        );
        assert_eq!(
            parse("gpio 17 out").unwrap(),
            Command::Gpio { pin: 17, action: GpioAction::Output }
        );
        assert_eq!(
            parse("gpio 17 high").unwrap(),
            Command::Gpio { pin: 17, action: GpioAction::High }
        );
        assert_eq!(
            parse("gpio 17 low").unwrap(),
            Command::Gpio { pin: 17, action: GpioAction::Low }
        );
        assert_eq!(
            parse("gpio 4 pull down").unwrap(),
            Command::Gpio { pin: 4, action: GpioAction::Pull(PullSetting::Down) }
        );
        assert_eq!(
            parse("gpio 4 pull up").unwrap(),
            Command::Gpio { pin: 4, action: GpioAction::Pull(PullSetting::Up) }
        );
        assert_eq!(
            parse("gpio 4 pull none").unwrap(),
            Command::Gpio { pin: 4, action: GpioAction::Pull(PullSetting::None) }
        );
        for (word, edge) in [
            ("rising", EdgeSetting::Rising),
            ("falling", EdgeSetting::Falling),
            ("any", EdgeSetting::Any),
        ] {
            assert_eq!(
                parse(&format!("gpio 21 wait {word}")).unwrap(),
                Command::Gpio { pin: 21, action: GpioAction::Wait(edge) }
            );
        }
        assert_eq!(parse("crc32 65536"), Ok(Command::Crc32 { len: 65_536 }));
        assert_eq!(parse("bench"), Ok(Command::Bench));
        assert_eq!(parse("echo hi"), Ok(Command::Echo("hi")));
        assert_eq!(parse("clear"), Ok(Command::Clear));
        assert_eq!(parse("reboot"), Ok(Command::Reboot));
        assert_eq!(parse("poweroff"), Ok(Command::Poweroff));
    }

    #[test]
    fn every_table_entry_is_reachable_and_documented() {
        for info in COMMANDS {
            assert!(info.usage.starts_with(info.name), "{}", info.name);
            assert!(!info.summary.is_empty());
            // `help NAME` finds every entry.
            assert_eq!(parse(&format!("help {}", info.name)), Ok(Command::Help(Some(info))));
        }
        let mut names: alloc::vec::Vec<_> = COMMANDS.iter().map(|i| i.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len(), "duplicate command name");
    }

    #[test]
    fn spacing_is_flexible() {
        assert_eq!(parse("  sleep \t 5  "), Ok(Command::Sleep { ms: 5 }));
        assert_eq!(parse("\tps\t"), Ok(Command::Ps));
        assert_eq!(parse("echo   two  spaces "), Ok(Command::Echo("two  spaces")));
        assert_eq!(parse("echo"), Ok(Command::Echo("")));
        assert_eq!(parse("echo a b c d e f g"), Ok(Command::Echo("a b c d e f g")));
    }

    #[test]
    fn empty_lines_are_not_errors_worth_a_message() {
        for line in ["", " ", "\t \t"] {
            assert_eq!(parse(line), Err(ParseError::Empty));
            assert_eq!(ParseError::Empty.to_string(), "");
        }
    }

    #[test]
    fn unknown_commands_name_the_word() {
        assert_eq!(parse("x"), Err(ParseError::Unknown("x")));
        assert_eq!(parse("x").unwrap_err().to_string(), "error: unknown command 'x' (try 'help')");
        assert_eq!(parse("PS"), Err(ParseError::Unknown("PS")));
        assert_eq!(parse("help nope"), Err(ParseError::Unknown("nope")));
        assert_eq!(
            ParseError::Unknown("a\u{1b}b").to_string(),
            "error: unknown command 'a\\x1bb' (try 'help')"
        );
    }

    #[test]
    fn wrong_arguments_print_the_usage_line() {
        let cases = [
            ("sleep", "sleep"),
            ("sleep x", "sleep"),
            ("sleep -1", "sleep"),
            ("sleep +1", "sleep"),
            ("sleep 1.5", "sleep"),
            ("sleep 1 2", "sleep"),
            ("sleep 86400001", "sleep"),
            ("sleep 99999999999999999999999", "sleep"),
            ("spawn", "spawn"),
            ("spawn 10", "spawn"),
            ("spawn 0 10", "spawn"),
            ("spawn 1000001 1", "spawn"),
            ("spawn 10 60001", "spawn"),
            ("gpio", "gpio"),
            ("gpio x", "gpio"),
            ("gpio 64", "gpio"),
            ("gpio 4 sideways", "gpio"),
            ("gpio 4 pull", "gpio"),
            ("gpio 4 pull left", "gpio"),
            ("gpio 4 wait", "gpio"),
            ("gpio 4 wait soon", "gpio"),
            ("gpio 4 in out", "gpio"),
            ("gpio 4 wait any now please", "gpio"),
            ("crc32", "crc32"),
            ("crc32 16777217", "crc32"),
            ("ps -a", "ps"),
            ("help a b", "help"),
            ("poweroff now", "poweroff"),
        ];
        for (line, name) in cases {
            let info = find(name).unwrap();
            assert_eq!(parse(line), Err(ParseError::Usage(info)), "{line:?}");
            assert_eq!(parse(line).unwrap_err().to_string(), format!("usage: {}", info.usage));
        }
    }

    #[test]
    fn limits_themselves_are_accepted() {
        assert_eq!(parse("sleep 0"), Ok(Command::Sleep { ms: 0 }));
        assert_eq!(parse("sleep 86400000"), Ok(Command::Sleep { ms: MAX_SLEEP_MS }));
        assert_eq!(
            parse("spawn 1000000 60000"),
            Ok(Command::Spawn { tasks: 1_000_000, ms: 60_000 })
        );
        assert_eq!(parse("gpio 63"), Ok(Command::Gpio { pin: 63, action: GpioAction::Read }));
        assert_eq!(parse("crc32 0"), Ok(Command::Crc32 { len: 0 }));
        assert_eq!(parse("crc32 16777216"), Ok(Command::Crc32 { len: MAX_CRC32_LEN }));
        assert_eq!(parse("sleep 007"), Ok(Command::Sleep { ms: 7 }));
    }

    #[test]
    fn arbitrary_lines_never_panic() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b" \t0123456789abcdefghijklmnopqrstuvwxyz-+.";
        // Miri (about a thousand times slower) runs a twentieth of them.
        for _ in 0..if cfg!(miri) { 1_000 } else { 20_000 } {
            let mut line = alloc::string::String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                line.push(alphabet[(state % alphabet.len() as u64) as usize] as char);
            }
            // Prefix a real command word half the time so arguments get exercised.
            if state & 1 == 0 {
                let info = &COMMANDS[(state >> 8) as usize % COMMANDS.len()];
                line = format!("{} {line}", info.name);
            }
            let _ = parse(&line).map_err(|e| e.to_string());
        }
    }
}
