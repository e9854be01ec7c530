//! What each shell command does. Parsing is `shell_core::command`'s job;
//! everything here runs a parsed [`Command`] against the live kernel and
//! prints the result.
//!
//! Long-running commands run inside [`Input::cancellable`], so Ctrl-C ends
//! them at their next `.await`; they never block the executor (the heartbeat
//! and every other task keep running meanwhile).

use super::input::{Input, Interrupted};
use super::terminal::{Terminal, say};
use crate::arch::cpu;
use crate::drivers::pin::{Function, Pin, Pull, WaitFor};
use crate::drivers::uart;
use crate::mem::heap;
use crate::{bench, board, executor, heartbeat, power, start};
use alloc::sync::Arc;
use async_core::sync::Notify;
use async_core::time::{Duration, Instant, sleep, timeout};
use async_core::{TaskInfo, TaskState, try_spawn, yield_now};
use core::fmt;
use core::pin::pin;
use core::sync::atomic::{AtomicU32, Ordering};
use driver_core::crc32::Crc32;
use shell_core::command::{COMMANDS, Command, CommandInfo, EdgeSetting, GpioAction, PullSetting};

/// Most task rows `ps` and `top` print (the rest are counted).
pub const TABLE_ROWS: usize = 32;
/// How often `top` refreshes.
pub const TOP_PERIOD: Duration = Duration::from_secs(1);
/// `crc32` gives up when no byte arrives for this long.
pub const CRC32_GAP_TIMEOUT: Duration = Duration::from_secs(5);
/// Tasks `spawn` creates between two yields (so the shell's poll stays short
/// and the new tasks start sleeping while the rest are being spawned).
const SPAWN_BATCH: u32 = 1024;

/// Heap that `spawn` leaves free for the rest of the kernel, for a heap of
/// `heap_size` bytes: an eighth of it, at least 1 MiB. Spawning stops there,
/// so repeated `spawn`s (each left sleeping with Ctrl-C) cannot exhaust the
/// heap under the shell's own allocations, the task table's growth or a
/// driver's.
pub fn spawn_heap_reserve(heap_size: usize) -> usize {
    (heap_size / 8).max(1 << 20)
}

/// What the shell does after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Prompt again.
    Prompt,
    /// The command read raw console input: the editor must not treat the
    /// next byte as the second half of a `\r\n`.
    PromptAfterRawInput,
}

/// Runs `command`, printing to `term`; Ctrl-C on `input` cancels the long ones.
pub async fn execute(command: Command<'_>, term: &mut Terminal, input: &mut Input) -> After {
    let outcome = match command {
        Command::Help(None) => help(term),
        Command::Help(Some(info)) => help_on(term, info),
        Command::Ps => ps(term),
        Command::Top => input.cancellable(pin!(top(term))).await,
        Command::Uptime => {
            let up = start::uptime();
            say!(term, "up {}.{:03} s\n", up.as_secs(), up.subsec_millis());
            Ok(())
        }
        Command::Mem => mem(term),
        Command::Info => info(term),
        Command::Sleep { ms } => input.cancellable(pin!(sleep(Duration::from_millis(ms)))).await,
        Command::Spawn { tasks, ms } => {
            // Printing happens inside; a Ctrl-C ends the wait, not the tasks.
            input.cancellable(pin!(spawn_sleepers(term, tasks, Duration::from_millis(ms)))).await
        }
        Command::Gpio { pin, action } => gpio(term, input, pin, action).await,
        Command::Crc32 { len } => {
            crc32(term, input, len).await;
            term.flush().await;
            return After::PromptAfterRawInput;
        }
        Command::Bench => {
            let run = async {
                let results = bench::run_all().await;
                print_bench(term, &results);
            };
            input.cancellable(pin!(run)).await
        }
        Command::Echo(text) => {
            say!(term, "{text}\n");
            Ok(())
        }
        Command::Clear => {
            say!(term, "\x1b[2J\x1b[H");
            Ok(())
        }
        Command::Reboot => power::reboot(),
        Command::Poweroff => power::power_off(),
    };
    if outcome == Err(Interrupted) {
        say!(term, "^C\n");
    }
    term.flush().await;
    After::Prompt
}

fn help(term: &mut Terminal) -> Result<(), Interrupted> {
    say!(term, "commands (help CMD for one's usage; Ctrl-C stops a running one):\n");
    for info in COMMANDS {
        say!(term, "  {:<9} {}\n", info.name, info.summary);
    }
    Ok(())
}

fn help_on(term: &mut Terminal, info: &CommandInfo) -> Result<(), Interrupted> {
    say!(term, "usage: {}\n  {}\n", info.usage, info.summary);
    if !info.detail.is_empty() {
        say!(term, "  {}\n", info.detail);
    }
    Ok(())
}

/// A duration with a unit that suits it: `850 ns`, `12.3 us`, `4.56 ms`, `1.234 s`.
struct Human(Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // In u64 (584 years of nanoseconds): u128 formatting is kilobytes of code.
        let ns = u64::try_from(self.0.as_nanos()).unwrap_or(u64::MAX);
        let text = if ns < 1_000 {
            alloc::format!("{ns} ns")
        } else if ns < 1_000_000 {
            alloc::format!("{}.{} us", ns / 1_000, ns % 1_000 / 100)
        } else if ns < 1_000_000_000 {
            alloc::format!("{}.{:02} ms", ns / 1_000_000, ns % 1_000_000 / 10_000)
        } else {
            alloc::format!("{}.{:03} s", ns / 1_000_000_000, ns % 1_000_000_000 / 1_000_000)
        };
        f.pad(&text)
    }
}

/// A byte count with a binary unit: `512 B`, `14.2 KiB`, `958.4 MiB`.
struct Size(usize);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0 as u64;
        let text = match bytes {
            0..1024 => alloc::format!("{bytes} B"),
            1024..1_048_576 => alloc::format!("{}.{} KiB", bytes >> 10, (bytes & 1023) * 10 / 1024),
            _ => alloc::format!("{}.{} MiB", bytes >> 20, (bytes & 0xf_ffff) * 10 / 1_048_576),
        };
        f.pad(&text)
    }
}

fn state_name(state: TaskState) -> &'static str {
    match state {
        TaskState::Ready => "ready",
        TaskState::Running => "running",
        TaskState::Waiting => "waiting",
    }
}

/// Prints the task table (at most [`TABLE_ROWS`] rows).
fn task_table(term: &mut Terminal) {
    let (tasks, total) = executor::executor().task_snapshot(TABLE_ROWS);
    say!(
        term,
        "{:>7}  {:<12} {:<8} {:>9} {:>11} {:>11}\n",
        "ID",
        "NAME",
        "STATE",
        "POLLS",
        "POLL TIME",
        "LONGEST"
    );
    let timing = executor::stats().poll_timing;
    for TaskInfo { id, name, state, polls, total_poll, longest_poll, .. } in &tasks {
        // Never timed (timing is off and was never on for it): no figure.
        let time = |d: &Duration| match timing || !total_poll.is_zero() {
            true => alloc::format!("{}", Human(*d)),
            false => alloc::string::String::from("-"),
        };
        say!(
            term,
            "{:>7}  {:<12} {:<8} {:>9} {:>11} {:>11}\n",
            alloc::format!("{id}"),
            name.unwrap_or("-"),
            state_name(*state),
            polls,
            time(total_poll),
            time(longest_poll)
        );
    }
    if total > tasks.len() {
        say!(term, "  ... and {} more tasks ({total} live)\n", total - tasks.len());
    }
    if !timing {
        say!(term, "  (poll times are measured while top runs)\n");
    }
}

fn ps(term: &mut Terminal) -> Result<(), Interrupted> {
    task_table(term);
    Ok(())
}

/// `top`: clear the screen, print the table with the idle share of the last
/// period, sleep, repeat (until cancelled). Polls are timed meanwhile.
async fn top(term: &mut Terminal) {
    /// Poll timing is on while `top` runs (it costs a clock read per poll),
    /// and back to what it was when `top` ends or is cancelled.
    struct PollTiming(bool);
    impl Drop for PollTiming {
        fn drop(&mut self) {
            executor::executor().set_poll_timing(self.0);
        }
    }
    let _timing = PollTiming(executor::stats().poll_timing);
    executor::executor().set_poll_timing(true);
    let mut last = executor::stats();
    let mut idle_percent: Option<(u64, u64)> = None;
    loop {
        let up = start::uptime();
        say!(term, "\x1b[H\x1b[2J");
        say!(
            term,
            "top: up {}.{:03} s, {} tasks, {} polls, ",
            up.as_secs(),
            up.subsec_millis(),
            last.live,
            last.polls
        );
        match idle_percent {
            Some((whole, tenth)) => say!(term, "idle {whole}.{tenth}% (Ctrl-C to quit)\n"),
            None => say!(term, "idle --.-% (Ctrl-C to quit)\n"),
        }
        task_table(term);
        term.flush().await;
        sleep(TOP_PERIOD).await;
        let now = executor::stats();
        // In microseconds and u64: a refresh period is seconds, not centuries.
        let micros = |d: Duration| d.as_secs() * 1_000_000 + u64::from(d.subsec_micros());
        let wall = micros(now.uptime.saturating_sub(last.uptime)).max(1);
        let idle = micros(now.idle.saturating_sub(last.idle)).min(wall);
        let permille = idle * 1000 / wall;
        idle_percent = Some((permille / 10, permille % 10));
        last = now;
    }
}

fn mem(term: &mut Terminal) -> Result<(), Interrupted> {
    let h = heap::stats();
    say!(term, "heap at {:#x}\n", h.start);
    say!(term, "  size    {:>10}  ({} bytes)\n", Size(h.size), h.size);
    say!(term, "  used    {:>10}  ({} bytes)\n", Size(h.used), h.used);
    say!(term, "  free    {:>10}  ({} bytes)\n", Size(h.free), h.free);
    say!(term, "  peak    {:>10}  ({} bytes)\n", Size(h.peak), h.peak);
    say!(term, "  failed allocations: {}\n", h.failed);
    Ok(())
}

fn info(term: &mut Terminal) -> Result<(), Interrupted> {
    let boot = start::boot_info();
    let identity = boot.map(|b| start::board_identity(&b.firmware));
    match identity {
        Some(id) => {
            say!(term, "board    {}", id.name);
            match id.revision {
                Some(revision) => say!(term, " (revision {revision:#x})\n"),
                None => say!(term, " (the firmware did not report it)\n"),
            }
            say!(term, "SoC      {}, {} cores ({})\n", id.soc, board::CORES, cpu::core_name());
            let parked = cpu::parked_cores().iter().filter(|&&parked| parked).count();
            say!(
                term,
                "cores    0 runs the kernel; {parked} of {} parked in WFI\n",
                board::CORES - 1
            );
        }
        None => say!(term, "board    unknown\n"),
    }
    if let Some(b) = boot {
        match b.firmware.arm_memory {
            Some((base, size)) => {
                say!(term, "RAM      {} MiB for the ARM at {base:#x}", size >> 20);
                match b.firmware.board_revision.and_then(|r| r.memory_mib()) {
                    Some(total) => say!(term, ", {total} MiB on the board\n"),
                    None => say!(term, "\n"),
                }
            }
            None => say!(term, "RAM      not reported; {} MiB mapped\n", b.ram_end >> 20),
        }
        say!(term, "entry    EL{}\n", b.entry_el);
    }
    say!(term, "timer    {} Hz (CNTFRQ_EL0)\n", cpu::counter_frequency());
    say!(term, "kernel   {} {} for {}\n", crate::NAME, crate::VERSION, board::BSP_NAME);
    let took = start::boot_duration();
    let up = start::uptime();
    say!(term, "boot     took {}; up {}.{:03} s\n", Human(took), up.as_secs(), up.subsec_millis());
    if let Some(prompt) = super::first_prompt_after_counter_start() {
        let nanos = u64::try_from(prompt.as_nanos()).unwrap_or(u64::MAX);
        say!(term, "reset    first prompt {nanos} ns after the counter started\n");
    }
    let s = executor::stats();
    say!(
        term,
        "tasks    {} live, {} spawned, {} finished, {} polls, {} long polls\n",
        s.live,
        s.spawned,
        s.finished,
        s.polls,
        s.long_polls
    );
    say!(term, "beat     {} heartbeats (activity LED toggled every 500 ms)\n", heartbeat::beats());
    let c = uart::counters();
    say!(
        term,
        "UART0    received {}, dropped {}, errors {} (framing {}, parity {}, break {}, overrun {})\n",
        c.received,
        c.dropped,
        c.errors(),
        c.framing_errors,
        c.parity_errors,
        c.breaks,
        c.overruns
    );
    Ok(())
}

/// Counts finished sleepers; the last one wakes the shell.
struct Countdown {
    remaining: AtomicU32,
    done: Notify,
}

impl Countdown {
    fn finish(&self, n: u32) {
        if n > 0 && self.remaining.fetch_sub(n, Ordering::AcqRel) == n {
            self.done.notify_one();
        }
    }
}

/// `spawn N MS`: spawns the sleepers in batches, reports the time spent in
/// `spawn` and the heap each spawn took, then waits for all of them.
async fn spawn_sleepers(term: &mut Terminal, tasks: u32, pause: Duration) {
    let countdown = Arc::new(Countdown { remaining: AtomicU32::new(tasks), done: Notify::new() });
    let started = Instant::now();
    // Only the spawns themselves are counted, not the yields between batches
    // (when the new tasks run their first poll and some may already finish).
    let mut spawning = Duration::ZERO;
    let mut spawn_heap = 0usize;
    let mut spawned = 0u32;
    let mut failed = false;
    let mut reserve_reached = false;
    let reserve = spawn_heap_reserve(heap::stats().size);
    while spawned < tasks && !failed {
        let heap = heap::stats();
        // A batch takes far less than the smallest reserve.
        if heap.free < reserve {
            reserve_reached = true;
            break;
        }
        let heap_before = heap.used;
        let batch_start = Instant::now();
        let end = tasks.min(spawned + SPAWN_BATCH);
        while spawned < end {
            let countdown = countdown.clone();
            let sleeper = async move {
                sleep(pause).await;
                countdown.finish(1);
            };
            match try_spawn(sleeper) {
                Ok(handle) => handle.detach(),
                Err(_) => {
                    failed = true;
                    break;
                }
            }
            spawned += 1;
        }
        spawning += batch_start.elapsed();
        spawn_heap += heap::stats().used.saturating_sub(heap_before);
        // Let the new tasks run their first poll (they start sleeping).
        yield_now().await;
    }
    if reserve_reached {
        say!(
            term,
            "error: spawn: stopped after {spawned} of {tasks} tasks: the heap is down to the \
             {} kept for the rest of the kernel\n",
            Size(reserve)
        );
    } else if failed {
        say!(term, "error: spawn: no room for more tasks: spawned {spawned} of {tasks}\n");
    }
    let n = spawned.max(1);
    say!(term, "spawned {spawned} tasks in {} ({} each)\n", Human(spawning), Human(spawning / n));
    say!(
        term,
        "heap: {} bytes per task at spawn ({} in all: task allocations and table slots)\n",
        spawn_heap / n as usize,
        Size(spawn_heap)
    );
    term.flush().await;
    // The ones never spawned will not finish.
    countdown.finish(tasks - spawned);
    loop {
        let notified = countdown.done.notified();
        if countdown.remaining.load(Ordering::Acquire) == 0 {
            break;
        }
        notified.await;
    }
    say!(term, "all {spawned} tasks finished after {}\n", Human(started.elapsed()));
}

async fn gpio(
    term: &mut Terminal,
    input: &mut Input,
    number: u32,
    action: GpioAction,
) -> Result<(), Interrupted> {
    let mut pin = match Pin::take(number) {
        Ok(pin) => pin,
        Err(error) => {
            say!(term, "error: gpio {number}: {error}\n");
            return Ok(());
        }
    };
    match action {
        GpioAction::Read => {}
        GpioAction::Input => pin.set_function(Function::Input),
        GpioAction::Output => pin.set_function(Function::Output),
        GpioAction::High | GpioAction::Low => {
            // Set the level first, so the pin never drives the wrong one.
            pin.set_level(action == GpioAction::High);
            pin.set_function(Function::Output);
        }
        GpioAction::Pull(setting) => {
            let pull = match setting {
                PullSetting::Up => Pull::Up,
                PullSetting::Down => Pull::Down,
                PullSetting::None => Pull::None,
            };
            pin.set_pull(pull);
            say!(term, "gpio {number}: pull {}\n", pull_name(setting));
        }
        GpioAction::Wait(edge) => {
            let (what, name) = match edge {
                EdgeSetting::Rising => (WaitFor::RisingEdge, "a rising edge"),
                EdgeSetting::Falling => (WaitFor::FallingEdge, "a falling edge"),
                EdgeSetting::Any => (WaitFor::AnyEdge, "any edge"),
            };
            say!(term, "gpio {number}: waiting for {name} (Ctrl-C stops)\n");
            term.flush().await;
            input.cancellable(pin!(pin.wait(what))).await?;
            say!(term, "gpio {number}: got {name}\n");
        }
    }
    let level = if pin.is_high() { "high" } else { "low" };
    say!(term, "gpio {number}: {level}, {}\n", function_name(pin.function()));
    Ok(())
}

fn pull_name(setting: PullSetting) -> &'static str {
    match setting {
        PullSetting::Up => "up",
        PullSetting::Down => "down",
        PullSetting::None => "none",
    }
}

fn function_name(function: Function) -> &'static str {
    match function {
        Function::Input => "input",
        Function::Output => "output",
        Function::Alt0 => "alt0",
        Function::Alt1 => "alt1",
        Function::Alt2 => "alt2",
        Function::Alt3 => "alt3",
        Function::Alt4 => "alt4",
        Function::Alt5 => "alt5",
    }
}

/// `crc32 LEN`: reads exactly `len` raw bytes and prints their CRC-32.
async fn crc32(term: &mut Terminal, input: &mut Input, len: u32) {
    let mut crc = Crc32::new();
    let mut received = 0u32;
    let mut lost = 0usize;
    let mut buf = [0u8; 256];
    while received < len {
        let want = (len - received).min(buf.len() as u32) as usize;
        match timeout(CRC32_GAP_TIMEOUT, input.read_raw(&mut buf[..want])).await {
            Ok(read) => {
                crc.update(&buf[..read.bytes]);
                received += read.bytes as u32;
                // A first byte lost here comes after `crc32 LEN` was typed.
                lost = lost.saturating_add(read.lost_before);
            }
            Err(_) => {
                say!(
                    term,
                    "error: crc32: no data for {} s; got {received} of {len} bytes",
                    CRC32_GAP_TIMEOUT.as_secs()
                );
                if lost > 0 {
                    say!(term, " ({lost} or more lost on the way in; see 'info')");
                }
                say!(term, "\n");
                return;
            }
        }
    }
    if lost > 0 {
        say!(
            term,
            "error: crc32: {lost} or more bytes were lost on the way in (see 'info'); \
             the {len} that arrived include bytes sent after the transfer\n"
        );
        return;
    }
    say!(term, "crc32 {:08x} {len}\n", crc.finish());
}

fn print_bench(term: &mut Terminal, results: &[bench::BenchResult]) {
    say!(
        term,
        "{:<20} {:>8} {:>12} {:>10} {:>12}\n",
        "benchmark",
        "runs",
        "mean",
        "cycles",
        "worst"
    );
    for r in results {
        let mean = alloc::format!("{}.{} ns", r.mean_ps / 1000, r.mean_ps % 1000 / 100);
        let cycles = r.mean_cycles.map_or_else(|| "-".into(), |c| alloc::format!("{c}"));
        let worst = r.max_ns.map_or_else(|| "-".into(), |n| alloc::format!("{n} ns"));
        say!(
            term,
            "{:<20} {:>8} {:>12} {:>10} {:>12}\n",
            r.name,
            r.iterations,
            mean,
            cycles,
            worst
        );
    }
    if crate::arch::pmu::is_implemented() {
        say!(term, "(cycles: PMU cycle counter; QEMU counts 1 per ns of virtual time)\n");
    }
}
