//! The command-line interface (clap) over any registry: parse arguments,
//! call the application layer, print. Data goes to stdout, messages to stderr; exit status 0 on
//! success, 1 for a rejected command or a failed verify, 2 for bad usage or
//! an unusable file.

mod cache;
mod commands;
mod debug;
mod diff;
mod exec;
pub mod logging;
mod output;
mod progress;
mod state;
mod tree;
mod whatif;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::app::AppError;
use crate::domain::{Registry, SeedParams};

/// chronicle: an event-sourcing toolkit on SQLite with a terminal time machine.
#[derive(Debug, Parser)]
#[command(name = "chronicle", version, about, long_about = None)]
pub struct Cli {
    /// The store file.
    #[arg(long, global = true, env = "CHRONICLE_DB", default_value = "chronicle.db")]
    pub db: PathBuf,
    /// Read `--db` as this format: `chronicle`, or a log another tool
    /// wrote (`eventsourcing`, `node`, `marten`), opened read-only
    /// [default: recognised].
    #[arg(long, global = true, env = "CHRONICLE_FORMAT")]
    pub format: Option<String>,
    /// Read `--db` through this mapping (TOML, or JSON): which table and
    /// columns hold a log another tool wrote, opened read-only.
    #[arg(long, global = true, value_name = "FILE", env = "CHRONICLE_MAP")]
    pub map: Option<PathBuf>,
    /// Keep what the time machine computes from a log another tool wrote
    /// (keyframes) in this file, and read the keyframes `chronicle cache`
    /// built of a store (diff, whatif, find --from) [default: a file under
    /// `$XDG_CACHE_HOME/chronicle` or `~/.cache/chronicle` named by the log].
    #[arg(long, global = true, value_name = "FILE", env = "CHRONICLE_CACHE")]
    pub cache: Option<PathBuf>,
    /// Keep no cache: nothing is read or written besides the log.
    #[arg(long, global = true, env = "CHRONICLE_NO_CACHE")]
    pub no_cache: bool,
    /// What to do (default: open the TUI).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands of the CLI contract.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal time machine (an absent file becomes an empty store).
    Tui,
    /// Seed deterministic demo data into an empty store, then open the TUI
    /// (the registry's seeder says what; its own options follow).
    Demo {
        /// How many events to write.
        #[arg(long, default_value_t = 2_000)]
        events: u64,
        /// Random seed: the same seed writes the same store.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Only seed; do not open the TUI.
        #[arg(long)]
        no_tui: bool,
    },
    /// Execute one command of the registry's command language (see the TUI's help).
    Exec {
        /// The command line.
        command: String,
        /// Who issues it (recorded in the metadata) [default: $USER, else `cli`].
        #[arg(long)]
        actor: Option<String>,
        /// An idempotency key: the same id with the same command records
        /// once; with another command it is refused (exit 1).
        #[arg(long)]
        command_id: Option<String>,
        /// Join this correlation (a request's id) [default: the cause's
        /// correlation, else the command id].
        #[arg(long, value_name = "ID")]
        correlation: Option<String>,
        /// The id of the stored event that caused this command: its events
        /// hang under it in `log --correlation ID --tree`.
        #[arg(long, value_name = "EVENT_ID")]
        causation: Option<String>,
        /// Print the recorded events as JSON Lines.
        #[arg(long)]
        json: bool,
    },
    /// Print events, oldest first.
    Log {
        /// Only this stream.
        #[arg(long)]
        stream: Option<String>,
        /// Only this event type.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only events with this correlation id.
        #[arg(long)]
        correlation: Option<String>,
        /// Start at this position.
        #[arg(long)]
        from: Option<u64>,
        /// At most this many events (before following).
        #[arg(long)]
        limit: Option<u64>,
        /// Keep printing new events as they are appended (Ctrl-C stops).
        #[arg(long)]
        follow: bool,
        /// With --correlation: its events as a tree by causation (command →
        /// events → follow-ups); --json prints one nested object.
        #[arg(long, conflicts_with_all = ["stream", "event_type", "from", "limit", "follow"])]
        tree: bool,
        /// JSON Lines.
        #[arg(long)]
        json: bool,
    },
    /// Print state as of the head or any position or time.
    State {
        /// As of this position.
        #[arg(long, conflicts_with = "at_time")]
        at: Option<u64>,
        /// As of this RFC 3339 time (the last event recorded at or before it).
        #[arg(long)]
        at_time: Option<String>,
        /// One stream's aggregate state.
        #[arg(long, conflicts_with = "projection")]
        stream: Option<String>,
        /// One read model's rows.
        #[arg(long)]
        projection: Option<String>,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Every event that changed a stream's state (or the value at a dotted
    /// path of it), or a read-model row (or one of its columns), oldest
    /// first: position, time, actor, correlation, value before → after.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["stream", "projection"])))]
    Blame {
        /// The stream.
        #[arg(long, conflicts_with = "projection")]
        stream: Option<String>,
        /// The read model (with --key).
        #[arg(long, requires = "key")]
        projection: Option<String>,
        /// The row's key; a composite key takes one --key per key column, in
        /// order (`--key acc-1 --key 2025-01-01`); commas are not split.
        #[arg(long, requires = "projection")]
        key: Vec<String>,
        /// Only changes of the value at this dotted path (`balance_cents`,
        /// `address.city`, `items.0`).
        #[arg(long)]
        field: Option<String>,
        /// JSON Lines.
        #[arg(long)]
        json: bool,
    },
    /// The first (or last, or every) position at which an expression holds
    /// just after the event there, on a stream's state or on a read model
    /// (any row). Exit 1 when nothing matches.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["stream", "projection"])))]
    Find {
        /// Search this stream's state.
        #[arg(long, conflicts_with = "projection")]
        stream: Option<String>,
        /// Search this read model's rows.
        #[arg(long)]
        projection: Option<String>,
        /// The expression: dotted paths, = != < <= > >=, and, or, not,
        /// parentheses, numbers, "strings", true, false, null, changed(PATH).
        #[arg(long = "where", value_name = "EXPR")]
        expr: String,
        /// Start at this position.
        #[arg(long, value_name = "POS", default_value_t = 1)]
        from: u64,
        /// The last match instead of the first.
        #[arg(long, conflicts_with = "all")]
        last: bool,
        /// Every match, oldest first.
        #[arg(long)]
        all: bool,
        /// JSON Lines.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild read models from position 0.
    Rebuild {
        /// Only this projection.
        #[arg(long)]
        projection: Option<String>,
    },
    /// Check the hash chain, versions, snapshots and read models.
    Verify {
        /// Only the hash chain, positions, versions and the streams index
        /// (reads the log once on every core; no folding).
        #[arg(long)]
        chain: bool,
    },
    /// Write every stored event as JSON Lines.
    Export {
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Append the events of an export (all or nothing).
    Import {
        /// The JSON Lines file.
        file: PathBuf,
        /// Take the file's events as new facts: append them at the head with
        /// new positions and hashes (the originals go into `metadata.imported`).
        #[arg(long)]
        rechain: bool,
    },
    /// What differs between two positions: streams created or changed in
    /// (A, B] with their fields before → after, read-model rows added,
    /// removed and changed, and the events in between by type and actor.
    Diff {
        /// The earlier position.
        from: u64,
        /// The later position.
        to: u64,
        /// Only this stream.
        #[arg(long, conflicts_with = "projection")]
        stream: Option<String>,
        /// Only this read model.
        #[arg(long)]
        projection: Option<String>,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// A what-if branch, in memory (nothing is written): the log up to
    /// `--at` minus `--skip`ped events, plus `--then` commands decided
    /// against it; `--replay` applies the later events onto it, flagging
    /// those it no longer allows. Prints each command's outcome and the
    /// branch's diff against the log.
    Whatif {
        /// Fork the branch just after this position.
        #[arg(long)]
        at: u64,
        /// Leave out the event at this position (repeatable).
        #[arg(long, num_args = 1..)]
        skip: Vec<u64>,
        /// Decide this command in the branch (repeatable, in order).
        #[arg(long)]
        then: Vec<String>,
        /// Apply the log's later events onto the branch, flagging each one
        /// its state no longer allows.
        #[arg(long)]
        replay: bool,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Build (or extend) the keyframe cache of a log another tool wrote, so
    /// the time machine opens it without walking it; prints where the cache
    /// is and what it holds.
    Cache,
    /// Copy the log of one store into another (any two `--db` values: an
    /// SQLite file, a postgres:// URL), hash chain and all, and build the
    /// target's read models. The target must be empty, absent or a prefix
    /// of the source (then only the rest is copied). One transaction: a
    /// failure leaves the target as it was, and running it again continues.
    Copy {
        /// The store to copy (opened read-only, never written).
        #[arg(long)]
        from: PathBuf,
        /// The store to copy into (created if absent).
        #[arg(long)]
        to: PathBuf,
    },
}

/// Runs the CLI on the process's arguments with the domains of `registry`:
/// every subcommand, and `demo` when the registry has a seeder. A binary's
/// whole `main` can be `chronicle::cli::run(registry)`.
pub fn run(registry: impl Into<Arc<Registry>>) -> ExitCode {
    run_from(registry, std::env::args_os())
}

/// As [`run`], on `args` (the first is the program's name).
pub fn run_from<I, T>(registry: impl Into<Arc<Registry>>, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let registry = registry.into();
    let (cli, params) = match parse(&registry, args) {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    if let Some(Err(e)) = cli.format.as_deref().map(crate::engines::force_format) {
        eprintln!("chronicle: {e}");
        return ExitCode::from(2);
    }
    if let Some(Err(e)) = cli.map.as_deref().map(crate::engines::use_mapping) {
        eprintln!("chronicle: {e}");
        return ExitCode::from(2);
    }
    crate::app::cache::choose(match (&cli.cache, cli.no_cache) {
        (_, true) => crate::app::cache::Choice::Off,
        (Some(file), false) => crate::app::cache::Choice::File(file.clone()),
        (None, false) => crate::app::cache::Choice::Default,
    });
    let _log = logging::init();
    tracing::info!(command = ?cli.command, db = %crate::engines::redacted(&cli.db.to_string_lossy()), "start");
    match commands::dispatch(cli, &registry, params) {
        Ok(code) => code,
        Err(AppError::OutputClosed) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chronicle: {}", one_line(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

/// The demo's own options, which no seeder option may take.
const DEMO_OPTIONS: [&str; 6] = ["events", "seed", "no-tui", "db", "help", "version"];

/// The CLI of `registry`: the seeder's options on `demo` (or a note that
/// there is none).
#[must_use]
pub fn command(registry: &Registry) -> clap::Command {
    Cli::command().mut_subcommand("demo", |demo| match registry.seeder() {
        None => demo.about("Seed demo data: unavailable, this registry has no seeder"),
        Some(seeder) => seeder.params().iter().filter(|p| !DEMO_OPTIONS.contains(&p.name)).fold(demo, |demo, p| {
            demo.arg(
                clap::Arg::new(p.name)
                    .long(p.name)
                    .value_name("N")
                    .value_parser(clap::value_parser!(u64))
                    .help(format!("{} [default: {}]", p.help, p.default)),
            )
        }),
    })
}

fn parse<I, T>(registry: &Registry, args: I) -> Result<(Cli, SeedParams), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command(registry).try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let mut given = Vec::new();
    if let (Some(demo), Some(seeder)) = (matches.subcommand_matches("demo"), registry.seeder()) {
        for p in seeder.params().iter().filter(|p| !DEMO_OPTIONS.contains(&p.name)) {
            if let Some(v) = demo.get_one::<u64>(p.name) {
                given.push((p.name.to_owned(), *v));
            }
        }
    }
    Ok((cli, SeedParams::new(given)))
}

fn one_line(e: &AppError) -> String {
    e.to_string().replace(['\n', '\r'], " ")
}
