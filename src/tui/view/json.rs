//! JSON as styled, escaped lines, with top-level fields optionally marked as changed.
//!
//! Only what a pane can show is formatted: at most [`MAX_LINES`] lines and
//! [`MAX_SCALAR_CHARS`] characters of any one key or string, so a huge stored
//! value costs the same per frame as a screenful.

use std::fmt::Write as _;

use ratatui::text::{Line, Span};
use serde_json::Value;

use super::super::text;
use super::super::theme::Theme;

/// Lines formatted at most for one value; the rest is cut, with a last line
/// saying so.
pub const MAX_LINES: usize = 2_000;
/// Characters shown at most of one key or string value.
pub const MAX_SCALAR_CHARS: usize = 1_000;

/// Pretty lines of `v`. Top-level keys for which `changed` is true are
/// styled and marked with `*` in a two-column gutter. Cut after
/// [`MAX_LINES`] lines (see [`lines_of`] to name the size in the cut line).
#[must_use]
pub fn lines(v: &Value, t: &Theme, changed: &dyn Fn(&str) -> bool) -> Vec<Line<'static>> {
    lines_of(v, None, t, changed)
}

/// [`lines`], naming `size` (the value's stored length in bytes, when known)
/// in the line that says the value was cut.
#[must_use]
pub fn lines_of(v: &Value, size: Option<usize>, t: &Theme, changed: &dyn Fn(&str) -> bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push(Line::from("  {"));
            let n = map.len();
            for (i, (k, val)) in map.iter().enumerate() {
                if out.len() > MAX_LINES {
                    break;
                }
                let hit = changed(k);
                let gutter = if hit { Span::styled("* ", t.changed) } else { Span::raw("  ") };
                let key_style = if hit { t.changed } else { t.json_key };
                let mut first = vec![gutter, Span::raw("  "), Span::styled(quoted(k), key_style)];
                first.push(Span::raw(": "));
                let comma = i + 1 < n;
                push_value(&mut out, first, val, 1, comma, t, hit);
            }
            out.push(Line::from("  }"));
        }
        other => push_value(&mut out, vec![Span::raw("  ")], other, 1, false, t, false),
    }
    if out.len() > MAX_LINES {
        out.truncate(MAX_LINES);
        let mut cut = format!("  … (truncated after {MAX_LINES} lines");
        if let Some(n) = size {
            let _ = write!(cut, ", {}", human_size(n));
        }
        cut.push(')');
        out.push(Line::styled(cut, t.muted));
    }
    out
}

/// `n` bytes as `812 B`, `12.3 KB`, `1.0 MB`.
#[must_use]
pub fn human_size(n: usize) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n < 1_000 {
        format!("{n} B")
    } else if n < 1_000_000 {
        format!("{:.1} KB", f / 1e3)
    } else {
        format!("{:.1} MB", f / 1e6)
    }
}

/// `s` quoted and escaped, cut after [`MAX_SCALAR_CHARS`] characters (with
/// `…` and its full length).
fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_SCALAR_CHARS) {
        Some((at, _)) => format!("\"{}…\" ({})", text::clean(&s[..at]), human_size(s.len())),
        None => format!("\"{}\"", text::clean(s)),
    }
}

fn scalar(v: &Value, t: &Theme, hit: bool) -> Span<'static> {
    let (s, style) = match v {
        Value::String(s) => (quoted(s), t.json_str),
        other => (other.to_string(), t.json_lit),
    };
    Span::styled(s, if hit { t.changed } else { style })
}

fn push_value(
    out: &mut Vec<Line<'static>>,
    mut head: Vec<Span<'static>>,
    v: &Value,
    depth: usize,
    comma: bool,
    t: &Theme,
    hit: bool,
) {
    let pad = "  ".repeat(depth);
    let tail = if comma { "," } else { "" };
    match v {
        Value::Object(map) if !map.is_empty() => {
            head.push(Span::raw("{"));
            out.push(Line::from(head));
            let n = map.len();
            for (i, (k, val)) in map.iter().enumerate() {
                if out.len() > MAX_LINES {
                    return;
                }
                let first = vec![Span::raw(format!("  {pad}  ")), Span::styled(quoted(k), t.json_key), Span::raw(": ")];
                push_value(out, first, val, depth + 1, i + 1 < n, t, hit);
            }
            out.push(Line::from(format!("  {pad}}}{tail}")));
        }
        Value::Array(items) if !items.is_empty() => {
            head.push(Span::raw("["));
            out.push(Line::from(head));
            let n = items.len();
            for (i, val) in items.iter().enumerate() {
                if out.len() > MAX_LINES {
                    return;
                }
                push_value(out, vec![Span::raw(format!("  {pad}  "))], val, depth + 1, i + 1 < n, t, hit);
            }
            out.push(Line::from(format!("  {pad}]{tail}")));
        }
        other => {
            head.push(scalar(other, t, hit));
            head.push(Span::raw(tail));
            out.push(Line::from(head));
        }
    }
}

/// The top-level keys whose values differ between `before` and `after`
/// (every key when `before` is not an object: the stream was created).
#[must_use]
pub fn changed_keys(before: &Value, after: &Value) -> Vec<String> {
    let Value::Object(a) = after else { return Vec::new() };
    match before {
        Value::Object(b) => a.iter().filter(|(k, v)| b.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect(),
        _ => a.keys().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changed_keys_compare_top_level_fields() {
        let b = json!({"a": 1, "b": 2});
        let a = json!({"a": 1, "b": 3, "c": 4});
        assert_eq!(changed_keys(&b, &a), vec!["b".to_owned(), "c".to_owned()]);
        assert_eq!(changed_keys(&Value::Null, &json!({"x": 1})), vec!["x".to_owned()]);
    }

    #[test]
    fn lines_escape_and_mark() {
        let v = json!({"id": "\u{1b}[2J", "n": [1, 2]});
        let out = lines(&v, &super::super::super::theme::MONO, &|k| k == "n");
        let text: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert!(text.iter().all(|l| !l.contains('\u{1b}')), "{text:?}");
        assert!(text.iter().any(|l| l.starts_with("* ")), "{text:?}");
    }

    #[test]
    fn huge_values_are_cut_to_what_a_pane_shows() {
        let t = &super::super::super::theme::MONO;
        let items: Vec<u32> = (0..100_000).collect();
        let v = json!({"blob": "x".repeat(2_000_000), "items": items});
        let out = lines_of(&v, Some(2_600_000), t, &|_| false);
        assert_eq!(out.len(), MAX_LINES + 1);
        let last = out[MAX_LINES].to_string();
        assert_eq!(last, "  … (truncated after 2000 lines, 2.6 MB)");
        let blob = out[1].to_string();
        assert!(blob.len() < MAX_SCALAR_CHARS + 100 && blob.ends_with("…\" (2.0 MB),"), "{}", &blob[blob.len() - 40..]);
        // A value of exactly MAX_LINES lines is whole: `[`, the items, `]`.
        let exact: Vec<u32> = (0..u32::try_from(MAX_LINES - 2).unwrap()).collect();
        let out = lines(&json!(exact), t, &|_| false);
        assert_eq!(out.len(), MAX_LINES);
        assert!(out[MAX_LINES - 1].to_string().ends_with(']'));
    }
}
