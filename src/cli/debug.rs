//! `blame` and `find`: the debugger's questions, in the CLI.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;

use super::commands::{emit, known_stream};
use super::output::safe;
use super::progress::Progress;
use crate::app::debug::blame::{Change, blame_row, blame_stream};
use crate::app::debug::expr::Expr;
use crate::app::debug::find::{Hit, Which, find_projection, find_stream};
use crate::app::debug::path::Path as FieldPath;
use crate::app::{AppError, Chronicle, Mode};
use crate::domain::Registry;

/// `--last` / `--all` / neither.
pub(super) fn which(last: bool, all: bool) -> Which {
    match (last, all) {
        (true, _) => Which::Last,
        (_, true) => Which::All,
        _ => Which::First,
    }
}

fn time(t: &str) -> String {
    safe(&t.get(..19).unwrap_or(t).replace('T', " "))
}

fn shown(v: Option<&Value>) -> String {
    let text = v.map_or_else(|| "(absent)".to_owned(), Value::to_string);
    let text = if text.chars().count() > 200 { text.chars().take(199).collect::<String>() + "…" } else { text };
    safe(&text)
}

fn or_dash(s: &str) -> String {
    if s.is_empty() { "-".to_owned() } else { safe(s) }
}

/// One change on one line: position, time, stream@version, type, actor,
/// correlation, before → after.
fn change_line(c: &Change) -> String {
    format!(
        "{:>8}  {}  {}@{}  {}  {}  {}  {} → {}",
        c.position,
        time(&c.recorded_at),
        safe(&c.stream_id),
        c.version,
        safe(&c.event_type),
        or_dash(&c.actor),
        or_dash(&c.correlation_id),
        shown(c.before.as_ref()),
        shown(c.after.as_ref())
    )
}

fn field(text: Option<&str>) -> Result<Option<FieldPath>, AppError> {
    text.map(|t| FieldPath::parse(t).map_err(|m| AppError::Usage(format!("--field: {m}")))).transpose()
}

pub(super) fn blame(
    db: &Path,
    reg: &Arc<Registry>,
    stream: Option<&str>,
    projection: Option<&str>,
    key: &[String],
    field_text: Option<&str>,
    json: bool,
) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let field = field(field_text)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut print = |ch: &Change| -> Result<(), AppError> {
        let line = if json {
            let mut v = ch.to_json();
            if let Some(name) = projection {
                v["projection"] = Value::from(name);
                v["key"] = Value::from(key.to_vec());
            }
            v.to_string()
        } else {
            change_line(ch)
        };
        if emit(&mut out, &line)? { Ok(()) } else { Err(AppError::OutputClosed) }
    };
    match (stream, projection) {
        (Some(id), _) => {
            known_stream(&c, id)?;
            blame_stream(&c, id, field.as_ref(), &mut print)?;
        }
        (None, Some(name)) => {
            blame_row(&c, name, key, field.as_ref(), &mut print)?;
        }
        (None, None) => return Err(AppError::Usage("blame needs --stream ID or --projection NAME --key K".into())),
    }
    out.flush().map_err(|e| super::commands::io_err(&e))?;
    Ok(ExitCode::SUCCESS)
}

fn hit_line(h: &Hit, projection: Option<&str>) -> String {
    let head = format!("{:>8}  {}  {}  {}", h.position, time(&h.recorded_at), safe(&h.stream_id), safe(&h.event_type));
    match (projection, &h.values) {
        (None, Value::Object(m)) => {
            let vals: Vec<String> = m.iter().map(|(k, v)| format!("{}={}", safe(k), shown(Some(v)))).collect();
            format!("{head}  {}", vals.join(" "))
        }
        (_, Value::Array(rows)) => {
            let more = h.matches.saturating_sub(rows.len() as u64);
            let first = rows.first().map(|r| shown(Some(r))).unwrap_or_default();
            let tail = match (rows.len(), more) {
                (0 | 1, 0) => String::new(),
                _ => format!(" (+{} more)", h.matches - 1),
            };
            format!("{head}  {} row{} match: {first}{tail}", h.matches, if h.matches == 1 { "" } else { "s" })
        }
        _ => head,
    }
}

#[allow(clippy::too_many_arguments)] // one per option of the subcommand
pub(super) fn find(
    db: &Path,
    reg: &Arc<Registry>,
    stream: Option<&str>,
    projection: Option<&str>,
    expr_text: &str,
    from: u64,
    which: Which,
    json: bool,
) -> Result<ExitCode, AppError> {
    let expr = match Expr::parse(expr_text) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("chronicle: {}", e.render(expr_text));
            return Ok(ExitCode::from(2));
        }
    };
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut print = |h: &Hit| -> Result<(), AppError> {
        let line = if json { h.to_json(projection).to_string() } else { hit_line(h, projection) };
        if emit(&mut out, &line)? { Ok(()) } else { Err(AppError::OutputClosed) }
    };
    // A bar on a terminal for a read model's search (a stream's is quick).
    let mut bar = projection.map(|_| Progress::new("find"));
    let mut tick = |done: u64, total: u64| {
        if let Some(bar) = &mut bar {
            bar.update(done, total);
        }
        Ok(())
    };
    let (n, place) = match (stream, projection) {
        (Some(id), _) => {
            known_stream(&c, id)?;
            (find_stream(&c, id, &expr, from, which, &mut print, &mut tick)?, format!("stream `{}`", safe(id)))
        }
        (None, Some(name)) => {
            (find_projection(&c, name, &expr, from, which, &mut print, &mut tick)?, format!("`{}`", safe(name)))
        }
        (None, None) => return Err(AppError::Usage("find needs --stream ID or --projection NAME".into())),
    };
    drop(bar);
    out.flush().map_err(|e| super::commands::io_err(&e))?;
    if n == 0 {
        eprintln!("chronicle: `{}` never holds on {place} from position {from}", safe(expr_text));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
