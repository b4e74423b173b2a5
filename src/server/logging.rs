//! The library's logger behind the `log` facade: level and destination come from the server
//! settings of the latest start (stdout by default, as OVMS logs).

use crate::config::LogLevel;
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

enum Sink {
    Stdout,
    File(File),
}

struct Logger {
    sink: Mutex<Sink>,
}

static LOGGER: Logger = Logger {
    sink: Mutex::new(Sink::Stdout),
};

fn filter(level: LogLevel) -> log::LevelFilter {
    match level {
        LogLevel::Trace => log::LevelFilter::Trace,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Warning => log::LevelFilter::Warn,
        LogLevel::Error => log::LevelFilter::Error,
    }
}

/// Points the logger at `path` (stdout when empty) with `level`. A log file that cannot be
/// opened is reported and stdout is used, since logging must not stop a server.
pub fn configure(level: LogLevel, path: &str) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(filter(level));
    let sink = if path.is_empty() {
        Sink::Stdout
    } else {
        match File::options().create(true).append(true).open(path) {
            Ok(file) => Sink::File(file),
            Err(e) => {
                *LOGGER.sink.lock().unwrap_or_else(|e| e.into_inner()) = Sink::Stdout;
                log::error!("cannot open log file {path}: {e}; logging to stdout");
                return;
            }
        }
    };
    *LOGGER.sink.lock().unwrap_or_else(|e| e.into_inner()) = sink;
}

/// `YYYY-MM-DD HH:MM:SS.mmm` in UTC, from the civil-from-days algorithm.
fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        // The network crates' (h2, hyper, tonic) info and debug records trace the protocol
        // frame by frame: only their warnings and errors are server events.
        metadata.level() <= log::max_level()
            && (metadata.target().starts_with("ovms") || metadata.level() <= log::Level::Warn)
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format!(
            "[{}][{}][ovms][{}] {}\n",
            timestamp(),
            std::process::id(),
            record.level().as_str().to_lowercase(),
            record.args()
        );
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = match &mut *sink {
            Sink::Stdout => std::io::stdout().write_all(line.as_bytes()),
            Sink::File(file) => file.write_all(line.as_bytes()),
        };
    }

    fn flush(&self) {
        if let Sink::File(file) = &mut *self.sink.lock().unwrap_or_else(|e| e.into_inner()) {
            let _ = file.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_has_the_fixed_format() {
        let t = super::timestamp();
        assert_eq!(t.len(), 23, "{t}");
        assert_eq!(&t[4..5], "-");
        assert_eq!(&t[10..11], " ");
        assert!(t.starts_with("20"));
    }
}
