//! `make bench`'s last step: gathers criterion's medians and the other
//! figures into `results.csv` (`benchmark,system,value,unit`), and writes a
//! readable `report.md` with each peer's ratio to this project and a chart
//! (`chart.svg`).
//!
//! ```text
//! report CRITERION_DIR OUT_DIR [EXTRA.csv ...]
//! ```
//!
//! Timed workloads come from `CRITERION_DIR/WORKLOAD/SYSTEM/new/estimates.json`
//! (the median of one run, divided by the operations in a run); EXTRA files
//! are CSV rows in the same format (bytes per task, in-kernel figures),
//! appended as they are.

use bench::{PING_PONGS, SPAWN_TASKS, TIMER_TASKS, YIELD_TASKS, YIELDS};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The timed workloads and the operations in one run of each.
const WORKLOADS: [(&str, usize); 4] = [
    ("spawn_join", SPAWN_TASKS),
    ("ping_pong", PING_PONGS),
    ("yield_storm", YIELD_TASKS * YIELDS),
    ("timer_churn", TIMER_TASKS),
];
/// Systems in report order; `this` first.
const SYSTEMS: [&str; 5] = ["this", "tokio", "smol", "futures", "embassy"];

/// One CSV row.
struct Row {
    benchmark: String,
    system: String,
    value: f64,
    unit: String,
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [criterion, out, extra @ ..] = args.as_slice() else {
        eprintln!("usage: report CRITERION_DIR OUT_DIR [EXTRA.csv ...]");
        std::process::exit(2);
    };
    let mut rows = Vec::new();
    for (workload, operations) in WORKLOADS {
        for system in SYSTEMS {
            let file = criterion.join(workload).join(system).join("new/estimates.json");
            match median_ns(&file) {
                Some(ns) => rows.push(Row {
                    benchmark: workload.into(),
                    system: system.into(),
                    value: ns / operations as f64,
                    unit: "ns".into(),
                }),
                None => eprintln!("report: no result in {}", file.display()),
            }
        }
    }
    for file in extra {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| {
            eprintln!("report: cannot read {}: {e}", file.display());
            std::process::exit(1)
        });
        rows.extend(text.lines().filter_map(parse_row));
    }
    std::fs::create_dir_all(out).expect("cannot create the output folder");
    let mut csv = String::from("benchmark,system,value,unit\n");
    for row in &rows {
        let _ = writeln!(
            csv,
            "{},{},{},{}",
            row.benchmark,
            row.system,
            format_value(row.value),
            row.unit
        );
    }
    write(&out.join("results.csv"), &csv);
    write(&out.join("report.md"), &report(&rows));
    write(&out.join("chart.svg"), &chart(&rows));
    println!("report: {} rows in {}", rows.len(), out.join("results.csv").display());
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| {
        eprintln!("report: cannot write {}: {e}", path.display());
        std::process::exit(1)
    });
}

/// `benchmark,system,value,unit`, skipping a header.
fn parse_row(line: &str) -> Option<Row> {
    let mut fields = line.split(',');
    let (benchmark, system, value, unit) =
        (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    Some(Row {
        benchmark: benchmark.trim().into(),
        system: system.trim().into(),
        value: value.trim().parse().ok()?,
        unit: unit.trim().into(),
    })
}

/// The median's point estimate (ns per iteration) from criterion's
/// estimates.json, read without a JSON library: the number after
/// `"point_estimate":` inside the `"median"` object.
fn median_ns(file: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(file).ok()?;
    let median = &text[text.find("\"median\"")?..];
    let at = median.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let number: String = median[at..]
        .chars()
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().ok()
}

fn format_value(value: f64) -> String {
    if value >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn find<'a>(rows: &'a [Row], benchmark: &str, system: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.benchmark == benchmark && r.system == system)
}

/// Host benchmarks in report order (time workloads, then memory).
fn host_benchmarks() -> impl Iterator<Item = &'static str> {
    WORKLOADS.iter().map(|(name, _)| *name).chain(["bytes_per_task"])
}

fn report(rows: &[Row]) -> String {
    let mut md = String::from(
        "# Benchmark report\n\nWritten by `make bench` (tools/bench). Host figures are criterion \
         medians of one run on this machine, per operation; lower is better. Each peer's ratio \
         to this project is in brackets (above 1.00: this project is faster or leaner).\n\n",
    );
    md.push_str("| benchmark | unit |");
    for system in SYSTEMS {
        let _ = write!(md, " {system} |");
    }
    md.push_str("\n|---|---|");
    md.push_str(&"---|".repeat(SYSTEMS.len()));
    md.push('\n');
    for benchmark in host_benchmarks() {
        let Some(this) = find(rows, benchmark, "this") else { continue };
        let _ = write!(md, "| {benchmark} | {} |", this.unit);
        for system in SYSTEMS {
            match find(rows, benchmark, system) {
                Some(row) if system == "this" => {
                    let _ = write!(md, " **{}** |", format_value(row.value));
                }
                Some(row) => {
                    let _ = write!(
                        md,
                        " {} ({:.2}) |",
                        format_value(row.value),
                        row.value / this.value
                    );
                }
                None => md.push_str(" — |"),
            }
        }
        md.push('\n');
    }
    md.push_str(
        "\nClocks: every system's `timer_churn` uses a real clock (this project: async-core's \
         `StdPlatform`; tokio: its timer; smol and futures: async-io's `Timer`), so each run \
         also waits for the longest sleep, 1 ms. embassy-executor (std backend) runs \
         spawn_join, ping_pong and yield_storm; not timer_churn (it needs an embassy-time \
         driver and queue chosen for the whole binary) nor bytes_per_task (its tasks live in \
         static pools, not on the heap). See docs/performance.md.\n",
    );
    let kernel: Vec<&Row> = rows.iter().filter(|r| r.system.starts_with("kernel-")).collect();
    if !kernel.is_empty() {
        md.push_str("\n## In the kernel (QEMU, `-icount shift=0,sleep=off`)\n\n| benchmark | system | value | unit |\n|---|---|---|---|\n");
        for row in kernel {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                row.benchmark,
                row.system,
                format_value(row.value),
                row.unit
            );
        }
    }
    md.push_str("\n![ratios to this project](chart.svg)\n");
    md
}

/// A bar chart of each peer's ratio to this project, one group per host
/// benchmark, with the 1.0 line marked; bars beyond 4x are cut there.
fn chart(rows: &[Row]) -> String {
    const BAR: f64 = 14.0;
    const GAP: f64 = 10.0;
    const LEFT: f64 = 110.0;
    const WIDTH: f64 = 420.0;
    let peers = &SYSTEMS[1..];
    let groups: Vec<(&str, Vec<(&str, f64)>)> = host_benchmarks()
        .filter_map(|benchmark| {
            let this = find(rows, benchmark, "this")?.value;
            let bars = peers
                .iter()
                .filter_map(|p| find(rows, benchmark, p).map(|r| (*p, r.value / this)))
                .collect();
            Some((benchmark, bars))
        })
        .collect();
    let max = groups
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|(_, ratio)| *ratio))
        .fold(2.0_f64, f64::max)
        .ceil()
        // Longer bars are cut at 4x (their label still says how long).
        .min(4.0);
    let scale = WIDTH / max;
    let height = groups.len() as f64 * (peers.len() as f64 * BAR + GAP) + 50.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        LEFT + WIDTH + 60.0
    );
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"14\">peer time (or bytes) / this project's; 1.0 = equal</text>"
    );
    let colors = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1"];
    let mut y = 24.0;
    for (benchmark, bars) in &groups {
        let _ = writeln!(svg, "<text x=\"4\" y=\"{}\">{benchmark}</text>", y + BAR * 1.5);
        for (index, (peer, ratio)) in bars.iter().enumerate() {
            let w = ratio.min(max) * scale;
            let color = colors[index % colors.len()];
            let _ = writeln!(
                svg,
                "<rect x=\"{LEFT}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\">{peer} {ratio:.2}</text>",
                BAR - 2.0,
                LEFT + w + 4.0,
                y + BAR - 4.0
            );
            y += BAR;
        }
        y += GAP;
    }
    let one = LEFT + scale;
    let _ = writeln!(
        svg,
        "<line x1=\"{one:.1}\" y1=\"20\" x2=\"{one:.1}\" y2=\"{y}\" stroke=\"black\" stroke-dasharray=\"3,3\"/>"
    );
    svg.push_str("</svg>\n");
    svg
}
