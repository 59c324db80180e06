//! Logs go to a file, never to the screen (stdout is data, or the TUI):
//! `$CHRONICLE_LOG_DIR`, else `$XDG_STATE_HOME/chronicle`, else
//! `~/.local/state/chronicle`, file `chronicle.log`. The level comes from
//! `CHRONICLE_LOG` (`warn` by default, e.g. `CHRONICLE_LOG=debug`).

use std::path::PathBuf;

use tracing_subscriber::EnvFilter;

/// Where the log file goes, if a directory can be named.
#[must_use]
pub fn log_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("CHRONICLE_LOG_DIR")
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("chronicle")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/chronicle")))
}

/// Installs the file logger; without a usable directory, logs are dropped.
/// The guard must live until the program ends (it flushes the file).
#[must_use]
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("chronicle.log")).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("CHRONICLE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}
