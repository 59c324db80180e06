//! Human-readable output. Anything that came from the store is escaped, so
//! control characters in stream ids or payloads never reach the terminal raw.

use std::fmt::Write as _;

use serde_json::Value;

use crate::app::query::StreamView;
use crate::es::StoredEvent;

/// Whether `c` is shown escaped: control characters, and format characters
/// that reorder or hide text (bidi overrides, zero-width spaces, …), so a
/// stored `acc\u{202e}-1` never passes for another id on screen. The joiners
/// (U+200C, U+200D) that emoji and some scripts need are shown as they are.
fn hidden(c: char) -> bool {
    c.is_control() || (crate::domain::ids::is_format(c) && !matches!(c, '\u{200c}' | '\u{200d}'))
}

/// `s` with control and hiding format characters escaped (`\u{202e}`);
/// when there are any, backslashes are escaped too, so the escapes cannot be
/// mistaken for text.
pub fn safe(s: &str) -> String {
    if !s.chars().any(hidden) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// One event on one line: position, time, stream@version, type, actor, payload.
pub fn event_line(e: &StoredEvent, upcast_payload: &Value) -> String {
    let meta = e.metadata();
    let time = e.recorded_at.get(..19).unwrap_or(&e.recorded_at).replace('T', " ");
    let mut payload = upcast_payload.to_string();
    if payload.chars().count() > 120 {
        payload = payload.chars().take(119).collect::<String>() + "…";
    }
    format!(
        "{:>8}  {}  {}@{}  {}  {}  {}",
        e.position,
        safe(&time),
        safe(&e.stream_id),
        e.version,
        safe(&e.event_type),
        safe(if meta.actor.is_empty() { "-" } else { &meta.actor }),
        safe(&payload)
    )
}

/// `state --stream`: the view as one JSON line (`--json`), or as indented
/// JSON; a generic state (a stream type no registered domain knows) is
/// preceded by a line saying so (`note: no aggregate registered for type
/// Widget; …`). Escaped line by line.
pub fn stream_state(view: &StreamView, json: bool) -> String {
    let v = view.to_json();
    if json {
        return v.to_string();
    }
    let mut out = String::new();
    if let Some(note) = view.note() {
        let _ = writeln!(out, "note: {note}; the state shown is its payloads merged in order (read-only)");
    }
    let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push_str(&pretty.lines().map(safe).collect::<Vec<_>>().join("\n"));
    out
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => safe(s),
        Value::Null => String::new(),
        other => safe(&other.to_string()),
    }
}

/// An aligned text table written as rows arrive: column widths come from the
/// first [`TableWriter::SAMPLE`] rows, which are held back until then.
#[derive(Debug, Default)]
pub struct TableWriter {
    held: Vec<Value>,
    widths: Option<(Vec<String>, Vec<usize>)>,
}

impl TableWriter {
    /// Rows that decide the column widths.
    pub const SAMPLE: usize = 500;

    /// Adds a row; returns text ready to print (empty while sampling).
    pub fn push(&mut self, row: Value) -> String {
        if let Some((cols, widths)) = &self.widths {
            return line(&cells(&row, cols), widths);
        }
        self.held.push(row);
        if self.held.len() < Self::SAMPLE {
            return String::new();
        }
        self.flush_sample()
    }

    /// Whatever is still held (all of a short table).
    pub fn finish(&mut self) -> String {
        if self.widths.is_some() {
            return String::new();
        }
        if self.held.is_empty() {
            return "(no rows)\n".to_owned();
        }
        self.flush_sample()
    }

    fn flush_sample(&mut self) -> String {
        let held = std::mem::take(&mut self.held);
        let text = table(&held);
        if let Some(Value::Object(first)) = held.first() {
            let cols: Vec<String> = first.keys().cloned().collect();
            let widths = cols
                .iter()
                .map(|c| {
                    held.iter()
                        .map(|r| cells(r, std::slice::from_ref(c))[0].chars().count())
                        .max()
                        .unwrap_or(0)
                        .max(c.chars().count())
                })
                .collect();
            self.widths = Some((cols, widths));
        }
        text
    }
}

fn cells(row: &Value, cols: &[String]) -> Vec<String> {
    cols.iter().map(|c| row.get(c.as_str()).map(cell).unwrap_or_default()).collect()
}

fn line(items: &[String], widths: &[usize]) -> String {
    let parts: Vec<String> = items.iter().zip(widths).map(|(s, w)| format!("{s:<w$}")).collect();
    format!("{}\n", parts.join("  ").trim_end())
}

/// Rows as an aligned text table (columns from the first row).
pub fn table(rows: &[Value]) -> String {
    let Some(Value::Object(first)) = rows.first() else {
        return "(no rows)\n".to_owned();
    };
    let cols: Vec<&String> = first.keys().collect();
    let cells: Vec<Vec<String>> =
        rows.iter().map(|r| cols.iter().map(|c| r.get(c.as_str()).map(cell).unwrap_or_default()).collect()).collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(c.chars().count()))
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, items: Vec<String>| {
        let parts: Vec<String> = items.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&mut out, cols.iter().map(|c| (*c).clone()).collect());
    line(&mut out, widths.iter().map(|w| "-".repeat(*w)).collect());
    for r in cells {
        line(&mut out, r);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn long_tables_stream_every_row_once() {
        let mut t = TableWriter::default();
        let mut out = String::new();
        for i in 0..(TableWriter::SAMPLE + 7) {
            out.push_str(&t.push(json!({"id": format!("r{i}"), "n": i})));
        }
        out.push_str(&t.finish());
        assert_eq!(out.lines().count(), TableWriter::SAMPLE + 7 + 2, "header, rule and every row");
        assert!(out.lines().last().unwrap().starts_with("r506 "));
        assert_eq!(TableWriter::default().finish(), "(no rows)\n");
    }

    #[test]
    fn hiding_characters_are_shown_escaped() {
        assert_eq!(safe("acc\u{202e}-1"), "acc\\u{202e}-1");
        assert_eq!(safe("\u{feff}acc\u{200b}-1"), "\\u{feff}acc\\u{200b}-1");
        assert_eq!(safe("a\u{1b}[31m\n"), "a\\u{1b}[31m\\n");
        assert_eq!(safe("\\u{1b}\u{1b}"), "\\\\u{1b}\\u{1b}");
        assert_eq!(safe("C:\\dir"), "C:\\dir", "no escapes needed, none made");
        assert_eq!(safe("👩\u{200d}💻 café"), "👩\u{200d}💻 café");
    }

    #[test]
    fn tables_align_and_escape() {
        let t = table(&[json!({"id": "a\u{1b}[31m", "n": 5}), json!({"id": "bb", "n": 12})]);
        assert!(!t.contains('\u{1b}'));
        assert_eq!(t.lines().count(), 4);
        assert!(t.lines().next().unwrap().starts_with("id"));
    }
}
