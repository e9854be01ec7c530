//! The `log` crate's backend: every record goes to the console as
//! `[   seconds.micros] LEVEL message`, the time counted from kernel entry.

use crate::start;
use log::{Level, LevelFilter, Metadata, Record};

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

/// Installs the console logger with `level` as the most verbose level shown.
pub fn init(level: LevelFilter) {
    // set_logger fails only if a logger is already installed: keep that one.
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

impl log::Log for ConsoleLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let t = start::uptime();
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        crate::println!(
            "[{:>5}.{:06}] {} {}",
            t.as_secs(),
            t.subsec_micros(),
            level,
            record.args()
        );
    }

    fn flush(&self) {}
}
