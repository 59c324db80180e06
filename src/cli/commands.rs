//! One function per subcommand.

mod follow;

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::output::{event_line, safe};
use super::progress::Progress;
use super::{Cli, Command};
use crate::app::demo::{DemoOptions, NO_SEEDER};
use crate::app::exchange::ImportOptions;
use crate::app::verify::Depth;
use crate::app::{AppError, Chronicle, Mode};
use crate::domain::{Registry, SeedParams};
use crate::es::store::LogFilter;
use follow::{is_lost, reconnect_follower};

/// Runs the parsed command with the domains of `reg` (`params`: the
/// seeder's options given to `demo`).
pub(super) fn dispatch(cli: Cli, reg: &Arc<Registry>, params: SeedParams) -> Result<ExitCode, AppError> {
    let db = cli.db.as_path();
    match cli.command.unwrap_or(Command::Tui) {
        Command::Tui => open_tui(db, reg),
        Command::Demo { events, seed, no_tui } => demo(db, reg, DemoOptions { events, seed, params }, no_tui),
        Command::Exec { command, actor, command_id, correlation, causation, json } => {
            let args = super::exec::Args { actor, command_id, correlation, causation, json };
            super::exec::run(db, reg, &command, args)
        }
        Command::Log { tree: true, correlation, json, .. } => super::tree::run(db, reg, correlation.as_deref(), json),
        Command::Log { stream, event_type, correlation, from, limit, follow, json, .. } => {
            let filter = LogFilter { stream_id: stream, event_type, correlation_id: correlation, from, to: None };
            log(db, reg, filter, limit, follow, json)
        }
        Command::State { at, at_time, stream, projection, json } => {
            super::state::state(db, reg, at, at_time.as_deref(), stream.as_deref(), projection.as_deref(), json)
        }
        Command::Rebuild { projection } => rebuild(db, reg, projection.as_deref()),
        Command::Verify { chain } => verify(db, reg, if chain { Depth::Chain } else { Depth::Full }),
        Command::Export { out } => export(db, reg, out.as_deref()),
        Command::Import { file, rechain } => import(db, reg, &file, rechain),
        Command::Copy { from, to } => copy(reg, &from, &to),
        Command::Cache => super::cache::cache(db, reg),
        Command::Blame { stream, projection, key, field, json } => {
            super::debug::blame(db, reg, stream.as_deref(), projection.as_deref(), &key, field.as_deref(), json)
        }
        Command::Find { stream, projection, expr, from, last, all, json } => {
            let which = super::debug::which(last, all);
            super::debug::find(db, reg, stream.as_deref(), projection.as_deref(), &expr, from, which, json)
        }
        Command::Diff { from, to, stream, projection, json } => {
            super::diff::run(db, reg, (from, to), stream.as_deref(), projection.as_deref(), json)
        }
        Command::Whatif { at, skip, then, replay, json } => {
            super::whatif::run(db, reg, &super::whatif::Args { at, skip, then, replay, json })
        }
    }
}

/// A failed write to stdout: a closed pipe (`| head`) ends quietly, as Unix
/// tools do; anything else is named.
pub(super) fn io_err(e: &std::io::Error) -> AppError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return AppError::OutputClosed;
    }
    AppError::Io(format!("cannot write output: {e}"))
}

/// One rule for `log --stream` and `state --stream`: a stream id the store
/// has never seen is a usage error (exit 2) naming it; filters that match
/// nothing (`--type`, `--correlation`, `--from` past the head) print nothing
/// and exit 0.
pub(super) fn known_stream(c: &Chronicle, id: &str) -> Result<(), AppError> {
    if c.store().stream(id)?.is_some() {
        return Ok(());
    }
    let n = c.store().streams()?.len();
    Err(AppError::Usage(format!(
        "unknown stream `{}` ({n} stream{}; see `chronicle log`)",
        crate::domain::ids::shown(id),
        if n == 1 { "" } else { "s" }
    )))
}

/// Writes to stdout; a closed pipe (`| head`) ends quietly.
pub(super) fn emit(out: &mut impl Write, line: &str) -> Result<bool, AppError> {
    match writeln!(out, "{line}") {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(io_err(&e)),
    }
}

fn open_tui(db: &Path, reg: &Arc<Registry>) -> Result<ExitCode, AppError> {
    #[cfg(feature = "tui")]
    {
        match crate::tui::run(db, Arc::clone(reg)) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(crate::tui::TuiError::App(e)) => Err(e),
            Err(e) => Err(AppError::Io(e.to_string())),
        }
    }
    #[cfg(not(feature = "tui"))]
    {
        let _ = (db, reg);
        Err(AppError::Usage("this chronicle was built without the `tui` feature".to_owned()))
    }
}

fn demo(db: &Path, reg: &Arc<Registry>, opts: DemoOptions, no_tui: bool) -> Result<ExitCode, AppError> {
    if reg.seeder().is_none() {
        return Err(AppError::Usage(NO_SEEDER.to_owned()));
    }
    let mut c = Chronicle::open(db, Mode::Write, Arc::clone(reg))?;
    let head = c.store().head()?;
    if head > 0 && !no_tui {
        eprintln!("chronicle: {} already holds {head} events; opening it as it is", c.store().name());
        drop(c);
        return open_tui(db, reg);
    }
    let started = Instant::now();
    let mut bar = Progress::new("demo");
    let summary = c.demo(opts, &mut |d, t| bar.update(d, t))?;
    drop(bar);
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // a rate for people to read
    let rate = summary.events as f64 / secs.max(1e-9);
    eprintln!(
        "chronicle: seeded {} events ({} commands) into {} in {secs:.2} s ({rate:.0} events/s)",
        summary.events,
        summary.commands,
        c.store().name()
    );
    if no_tui {
        return Ok(ExitCode::SUCCESS);
    }
    drop(c);
    open_tui(db, reg)
}

/// How long `log --follow` waits for an append before looking again.
const FOLLOW_WAIT: Duration = Duration::from_secs(1);

fn log(
    db: &Path,
    reg: &Arc<Registry>,
    mut filter: LogFilter,
    limit: Option<u64>,
    follow: bool,
    json: bool,
) -> Result<ExitCode, AppError> {
    let mut c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    // Shown without a hash (event_json): no walk from event 1 to compute one.
    c.store().set_chained(c.store().format().is_none());
    if let Some(id) = &filter.stream_id {
        known_stream(&c, id)?;
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut left = limit.unwrap_or(u64::MAX);
    let mut next = filter.from.unwrap_or(1).max(1);
    loop {
        filter.from = Some(next);
        // The head before the page: a wait after it wakes for anything later.
        let read =
            c.store().head().map_err(AppError::from).and_then(|seen| Ok((seen, c.log(&filter, left.min(1_000))?)));
        let (seen, page) = match read {
            // Following, a lost server connection is waited out: the next
            // page starts after the last line printed (none lost, none twice).
            Err(e) if follow && is_lost(&e) => {
                out.flush().map_err(|e| io_err(&e))?;
                c = reconnect_follower(&c, &e)?;
                continue;
            }
            read => read?,
        };
        for e in &page {
            let v = c.event_json(e);
            let text = if json { v.to_string() } else { event_line(e, &v["payload"]) };
            if !emit(&mut out, &text)? {
                return Ok(ExitCode::SUCCESS);
            }
            next = e.position + 1;
            left = left.saturating_sub(1);
        }
        if !page.is_empty() && left > 0 {
            continue;
        }
        if !follow {
            break;
        }
        left = u64::MAX;
        out.flush().map_err(|e| io_err(&e))?;
        match c.store().wait_for_append(seen, FOLLOW_WAIT).map_err(AppError::from) {
            Err(e) if is_lost(&e) => c = reconnect_follower(&c, &e)?,
            waited => waited?,
        }
    }
    out.flush().map_err(|e| io_err(&e))?;
    Ok(ExitCode::SUCCESS)
}

fn rebuild(db: &Path, reg: &Arc<Registry>, projection: Option<&str>) -> Result<ExitCode, AppError> {
    let mut c = Chronicle::open(db, Mode::Repair, Arc::clone(reg))?;
    if let Some(p) = projection {
        c.check_projection(p)?;
    }
    let started = Instant::now();
    let mut bar = Progress::new("rebuild");
    let (head, repaired) = c.rebuild_counting(projection, &mut |d, t| bar.update(d, t))?;
    drop(bar);
    if repaired > 0 {
        let streams = if repaired == 1 { "stream" } else { "streams" };
        eprintln!(
            "chronicle: the streams index differed from the events for {repaired} {streams}: rebuilt it from the events"
        );
    }
    eprintln!(
        "chronicle: rebuilt {} at position {head} in {:.2} s",
        projection.unwrap_or("every read model"),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(db: &Path, reg: &Arc<Registry>, depth: Depth) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let started = Instant::now();
    let mut bar = Progress::new("verify");
    let report = c.verify_to(depth, &mut |d, t| bar.update(d, t))?;
    drop(bar);
    if report.ok() {
        let secs = started.elapsed().as_secs_f64();
        let summary = if depth == Depth::Chain {
            format!(
                "ok: {} events in {} streams, {}, versions contiguous ({secs:.2} s; snapshots and read models not checked)",
                report.events,
                report.streams,
                report.chain_summary()
            )
        } else {
            format!(
                "ok: {} events in {} streams, {}, {} snapshots, {} read-model snapshots and {} read models match their replay ({secs:.2} s)",
                report.events,
                report.streams,
                report.chain_summary(),
                report.snapshots,
                report.model_snapshots,
                report.projections
            )
        };
        let mut out = std::io::stdout().lock();
        if emit(&mut out, &summary)?
            && let Some(hash) = &report.head_hash
        {
            emit(&mut out, &format!("head: position {} hash {hash}", report.events))?;
        }
        for note in report.notes() {
            emit(&mut out, &format!("note: {}", safe(&note)))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut problems = report.problems.iter();
    if let Some(first) = problems.next() {
        eprintln!("chronicle: verify failed: {}", safe(&first.to_string()));
    }
    for p in problems {
        eprintln!("  also: {}", safe(&p.to_string()));
    }
    Ok(ExitCode::from(1))
}

fn export(db: &Path, reg: &Arc<Registry>, out: Option<&Path>) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let mut bar = Progress::new("export");
    let n = match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| AppError::Io(format!("cannot create {}: {e}", path.display())))?;
            c.export(&mut BufWriter::new(file), &mut |d, t| bar.update(d, t))?
        }
        None => c.export(&mut BufWriter::new(std::io::stdout().lock()), &mut |d, t| bar.update(d, t))?,
    };
    drop(bar);
    if let Some(path) = out {
        eprintln!("chronicle: exported {n} events to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn import(db: &Path, reg: &Arc<Registry>, file: &Path, rechain: bool) -> Result<ExitCode, AppError> {
    let mut c = Chronicle::open(db, Mode::Write, Arc::clone(reg))?;
    let started = Instant::now();
    let mut bar = Progress::new("import");
    let done = c.import_with(file, ImportOptions { rechain }, &mut |d, t| bar.update(d, t))?;
    drop(bar);
    if done.appended == 0 && done.lines > 0 {
        eprintln!("chronicle: nothing to import: all {} events of {} are already stored", done.lines, file.display());
    } else if rechain {
        eprintln!(
            "chronicle: re-chained {} events from {} in {:.2} s; original positions and hashes are kept in metadata.imported",
            done.appended,
            file.display(),
            started.elapsed().as_secs_f64()
        );
    } else {
        eprintln!(
            "chronicle: imported {} events from {} in {:.2} s",
            done.appended,
            file.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn copy(reg: &Arc<Registry>, from: &Path, to: &Path) -> Result<ExitCode, AppError> {
    let started = Instant::now();
    let mut bar = Progress::new("copy");
    let done = crate::app::copy::copy(from.as_os_str(), to.as_os_str(), reg, &mut |d, t| bar.update(d, t))?;
    drop(bar);
    let (from, to) =
        (crate::engines::redacted(&from.to_string_lossy()), crate::engines::redacted(&to.to_string_lossy()));
    if done.copied == 0 {
        eprintln!(
            "chronicle: nothing to copy: {} already holds all {} events of {}",
            safe(&to),
            done.head,
            safe(&from)
        );
    } else {
        let after =
            if done.target_before > 0 { format!(" after the {} it held", done.target_before) } else { String::new() };
        let origin = if done.as_facts { " as new facts (each one's origin kept in metadata.origin)" } else { "" };
        eprintln!(
            "chronicle: copied {} events from {} to {}{after}{origin} in {:.2} s; read models built to position {}",
            done.copied,
            safe(&from),
            safe(&to),
            started.elapsed().as_secs_f64(),
            done.head
        );
    }
    Ok(ExitCode::SUCCESS)
}
