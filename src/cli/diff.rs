//! `chronicle diff A B`: what differs between two positions, as text or one
//! JSON object; and the text form of a diff, shared with `whatif`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;

use super::commands::{emit, io_err};
use super::output::safe;
use crate::app::diff::{Diff, Scope};
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
    if json {
        // Straight from the diff's fields: the same text as `to_json`.
        let text = serde_json::to_string(&diff).map_err(|e| AppError::Io(e.to_string()))?;
        emit(&mut out, &text)?;
    } else {
        let head = format!("diff {from} → {to}:");
        for line in std::iter::once(head).chain(lines(&diff)) {
            if !emit(&mut out, &line)? {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    out.flush().map_err(|e| io_err(&e))?;
    Ok(ExitCode::SUCCESS)
}

fn counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter().map(|(k, n)| format!("{} {n}", safe(k))).collect::<Vec<_>>().join(", ")
}

fn value(v: &Value) -> String {
    safe(&v.to_string())
}

/// The text form of a diff, one line each: the events by type and actor,
/// each stream with its changes (`  path: before → after`), each read
/// model's rows (`+` added, `-` removed, `~` changed).
pub(super) fn lines(d: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    let total: u64 = d.by_type.values().sum();
    if total > 0 {
        out.push(format!("  {total} event{} ({})", if total == 1 { "" } else { "s" }, counts(&d.by_type)));
        out.push(format!("  by actor: {}", counts(&d.by_actor)));
    }
    for s in &d.streams {
        let created = if s.created { ", created" } else { "" };
        out.push(format!("stream {} ({}{created})", safe(&s.stream_id), safe(&s.stream_type)));
        for ch in &s.changes {
            let path = if ch.path.is_empty() { "(state)".to_owned() } else { safe(&ch.path) };
            out.push(format!("  {path}: {} → {}", value(&ch.before), value(&ch.after)));
        }
    }
    for (name, p) in &d.projections {
        if p.is_empty() {
            continue;
        }
        out.push(format!(
            "projection {name}: {} added, {} removed, {} changed",
            p.added.len(),
            p.removed.len(),
            p.changed.len()
        ));
        out.extend(p.added.iter().map(|r| format!("  + {}", safe(&r.to_string()))));
        out.extend(p.removed.iter().map(|r| format!("  - {}", safe(&r.to_string()))));
        out.extend(p.changed.iter().map(|(k, b, a)| format!("  ~ {}: {} → {}", value(k), value(b), value(a))));
    }
    if d.is_empty() {
        out.push("  no stream or read-model row differs".to_owned());
    }
    out
}
