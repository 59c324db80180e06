//! `chronicle state`: a stream's state or a read model at a position.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};

use super::commands::{emit, io_err, known_stream};
use super::output::{TableWriter, safe};
use crate::app::{AppError, Chronicle, Mode};
use crate::domain::Registry;

pub(super) fn state(
    db: &Path,
    reg: &Arc<Registry>,
    at: Option<u64>,
    at_time: Option<&str>,
    stream: Option<&str>,
    projection: Option<&str>,
    json: bool,
) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    if let Some(id) = stream {
        known_stream(&c, id)?;
    }
    let position = c.resolve_position(at, at_time)?;
    let mut out = std::io::stdout().lock();
    let text = if let Some(id) = stream {
        super::output::stream_state(&c.stream_state(id, position)?, json)
    } else if let Some(name) = projection {
        return projection_out(&c, name, position, json);
    } else {
        let v = c.world_json(position)?;
        if json {
            v.to_string()
        } else {
            // Generic states are labelled first, as `state --stream` labels one.
            let notes = crate::app::query::generic_notes(&v)
                .into_iter()
                .map(|n| format!("note: {}; their states are their payloads merged in order (read-only)\n", safe(&n)));
            notes.chain([pretty(&v)]).collect()
        }
    };
    emit(&mut out, text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

/// Streams a read model's rows: tables of a million rows print without
/// holding them.
fn projection_out(c: &Chronicle, name: &str, position: u64, json: bool) -> Result<ExitCode, AppError> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    let w = |out: &mut BufWriter<_>, s: &str| out.write_all(s.as_bytes()).map_err(|e| io_err(&e));
    c.check_projection(name)?;
    if json {
        let head = json!({"projection": name, "position": position}).to_string();
        w(&mut out, &head[..head.len() - 1])?;
        w(&mut out, ",\"rows\":[")?;
        let mut first = true;
        c.for_each_projection_row(name, position, &mut |row| {
            if !first {
                w(&mut out, ",")?;
            }
            first = false;
            w(&mut out, &row.to_string())
        })?;
        w(&mut out, "]}\n")?;
    } else {
        w(&mut out, &format!("{} at position {position}\n", safe(name)))?;
        let mut table = TableWriter::default();
        c.for_each_projection_row(name, position, &mut |row| {
            let text = table.push(row.to_json());
            w(&mut out, &text)
        })?;
        w(&mut out, &table.finish())?;
    }
    out.flush().map_err(|e| io_err(&e))?;
    Ok(ExitCode::SUCCESS)
}

fn pretty(v: &Value) -> String {
    safe_multiline(&serde_json::to_string_pretty(v).unwrap_or_default())
}

fn safe_multiline(s: &str) -> String {
    s.lines().map(safe).collect::<Vec<_>>().join("\n")
}
