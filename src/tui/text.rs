//! Text for the screen: control characters escaped, widths bounded, times shortened.

use ratatui::text::Span;
use serde_json::Value;

/// `s` with every control character (ANSI escapes included) shown escaped,
/// so nothing from the store reaches the terminal raw.
#[must_use]
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` cut to at most `width` columns, with `…` when cut.
#[must_use]
pub fn fit(s: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        let w = char_width(c);
        if used + w > width {
            if width > 0 {
                while used + 1 > width {
                    let Some(p) = out.pop() else { break };
                    used -= char_width(p);
                }
                out.push('…');
            }
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

/// Columns `s` takes on screen.
#[must_use]
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// A stored RFC 3339 time as microseconds since the epoch.
#[must_use]
pub fn micros(t: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| d.timestamp_micros())
}

/// `2026-01-01T12:34:56.123456Z` as `2026-01-01 12:34:56`.
#[must_use]
pub fn short_time(t: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(d) => d.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => clean(t),
    }
}

/// A JSON value on one line, escaped (`{"amount":…}`).
#[must_use]
pub fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// A scalar JSON value as a cell: strings bare, others as JSON.
#[must_use]
pub fn cell(v: &Value) -> String {
    compact(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_pass() {
        let s = clean("acc\u{1b}[31m-1\n");
        assert!(!s.chars().any(char::is_control), "{s}");
        assert_eq!(s, "acc\\u{1b}[31m-1\\n");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn times_shorten() {
        assert_eq!(short_time("2026-01-01T12:34:56.123456Z"), "2026-01-01 12:34:56");
        assert_eq!(micros("1970-01-01T00:00:01Z"), Some(1_000_000));
    }
}
