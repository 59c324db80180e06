//! JSON as styled, escaped lines, with top-level fields optionally marked as changed.

use ratatui::text::{Line, Span};
use serde_json::Value;

use super::super::text;
use super::super::theme::Theme;

/// Pretty lines of `v`. Top-level keys for which `changed` is true are
/// styled and marked with `*` in a two-column gutter.
#[must_use]
pub fn lines(v: &Value, t: &Theme, changed: &dyn Fn(&str) -> bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push(Line::from("  {"));
            let n = map.len();
            for (i, (k, val)) in map.iter().enumerate() {
                let hit = changed(k);
                let gutter = if hit { Span::styled("* ", t.changed) } else { Span::raw("  ") };
                let key_style = if hit { t.changed } else { t.json_key };
                let mut first =
                    vec![gutter, Span::raw("  "), Span::styled(format!("\"{}\"", text::clean(k)), key_style)];
                first.push(Span::raw(": "));
                let comma = i + 1 < n;
                push_value(&mut out, first, val, 1, comma, t, hit);
            }
            out.push(Line::from("  }"));
        }
        other => push_value(&mut out, vec![Span::raw("  ")], other, 1, false, t, false),
    }
    out
}

fn scalar(v: &Value, t: &Theme, hit: bool) -> Span<'static> {
    let (s, style) = match v {
        Value::String(s) => (format!("\"{}\"", text::clean(s)), t.json_str),
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
                let first = vec![
                    Span::raw(format!("  {pad}  ")),
                    Span::styled(format!("\"{}\"", text::clean(k)), t.json_key),
                    Span::raw(": "),
                ];
                push_value(out, first, val, depth + 1, i + 1 < n, t, hit);
            }
            out.push(Line::from(format!("  {pad}}}{tail}")));
        }
        Value::Array(items) if !items.is_empty() => {
            head.push(Span::raw("["));
            out.push(Line::from(head));
            let n = items.len();
            for (i, val) in items.iter().enumerate() {
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
}
