//! `chronicle diff A B`: what differs between two positions, as text or one
//! JSON object; and the text form of a diff, shared with `whatif`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;

use super::commands::io_err;
use super::output::safe;
use crate::app::diff::{Appended, Diff, Scope, Shown};
use crate::app::{AppError, Chronicle, Mode};
use crate::domain::Registry;

/// Runs `diff`.
pub(super) fn run(
    db: &Path,
    reg: &Arc<Registry>,
    (from, to): (u64, u64),
    stream: Option<&str>,
    projection: Option<&str>,
    json: bool,
) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let scope = match (stream, projection) {
        (Some(id), _) => Scope::Stream(id),
        (None, Some(name)) => Scope::Projection(name),
        (None, None) => Scope::All,
    };
    let diff = c.diff(from, to, scope)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if json {
        // Straight from the diff's fields, a ledger's rows from the store.
        serde_json::to_writer(&mut out, &Shown { diff: &diff, chronicle: &c })
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        let mut rows = |name: &str, appended: &Appended, line: &mut dyn FnMut(String) -> bool| {
            c.appended_rows(name, appended, &mut |row| Ok(line(format!("  + {}", safe(&row.to_string())))))
        };
        let mut failed = None;
        let mut line = |text: String| match writeln!(out, "{text}") {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        };
        line(format!("diff {from} → {to}:"));
        write_lines(&diff, &mut rows, &mut line)?;
        failed.map_or(Ok(()), Err)
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(io_err(&e)),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// A ledger's rows added, read when written: calls `line` with the text of
/// each, while it says to go on.
type AppendedLines<'a> = dyn FnMut(&str, &Appended, &mut dyn FnMut(String) -> bool) -> Result<(), AppError> + 'a;

fn counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter().map(|(k, n)| format!("{} {n}", safe(k))).collect::<Vec<_>>().join(", ")
}

fn value(v: &Value) -> String {
    safe(&v.to_string())
}

/// The text form of a diff, one line each: the events by type and actor,
/// each stream with its changes (`  path: before → after`), each read
/// model's rows (`+` added, `-` removed, `~` changed). A ledger's rows
/// added are those held (a what-if's diff holds every row it lists).
pub(super) fn lines(d: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    let mut none = |_: &str, _: &Appended, _: &mut dyn FnMut(String) -> bool| Ok(());
    let _ = write_lines(d, &mut none, &mut |line| {
        out.push(line);
        true
    });
    out
}

/// As [`lines`], each line given to `line` (which says whether to go on),
/// a ledger's rows added read by `appended`.
fn write_lines(
    d: &Diff,
    appended: &mut AppendedLines<'_>,
    line: &mut dyn FnMut(String) -> bool,
) -> Result<(), AppError> {
    let total: u64 = d.by_type.values().sum();
    if total > 0
        && !(line(format!("  {total} event{} ({})", if total == 1 { "" } else { "s" }, counts(&d.by_type)))
            && line(format!("  by actor: {}", counts(&d.by_actor))))
    {
        return Ok(());
    }
    for s in &d.streams {
        let created = if s.created { ", created" } else { "" };
        if !line(format!("stream {} ({}{created})", safe(&s.stream_id), safe(&s.stream_type))) {
            return Ok(());
        }
        for ch in &s.changes {
            let path = if ch.path.is_empty() { "(state)".to_owned() } else { safe(&ch.path) };
            if !line(format!("  {path}: {} → {}", value(&ch.before), value(&ch.after))) {
                return Ok(());
            }
        }
    }
    for (name, p) in &d.projections {
        if p.is_empty() {
            continue;
        }
        let head = format!(
            "projection {name}: {} added, {} removed, {} changed",
            p.added_count(),
            p.removed.len(),
            p.changed.len()
        );
        if !line(head) {
            return Ok(());
        }
        match &p.appended {
            Some(a) => appended(name, a, line)?,
            None => {
                if !p.added.iter().all(|r| line(format!("  + {}", safe(&r.to_string())))) {
                    return Ok(());
                }
            }
        }
        let rest = p
            .removed
            .iter()
            .map(|r| format!("  - {}", safe(&r.to_string())))
            .chain(p.changed.iter().map(|(k, b, a)| format!("  ~ {}: {} → {}", value(k), value(b), value(a))));
        for text in rest {
            if !line(text) {
                return Ok(());
            }
        }
    }
    if d.is_empty() {
        line("  no stream or read-model row differs".to_owned());
    }
    Ok(())
}
