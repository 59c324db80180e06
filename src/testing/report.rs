//! Failure reports: what was given, what came, what was expected, and a
//! line diff of the two as pretty JSON.

use std::fmt::Write as _;

use serde_json::Value;

use crate::es::Event;

/// The given log, one line per event: position, stream, version, type and
/// payload (at the latest schema).
pub(super) fn given(log: &[Event]) -> String {
    if log.is_empty() {
        return "  (no events)\n".to_owned();
    }
    let mut out = String::new();
    for e in log {
        let _ = writeln!(
            out,
            "  {:>3}  {} ({}) v{}  {} v{} {}",
            e.position, e.stream_id, e.stream_type, e.version, e.event_type, e.schema_version, e.payload
        );
    }
    out
}

/// `value` as indented JSON.
pub(super) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// A line diff of `expected` and `came` (`-` only expected, `+` only came,
/// two spaces: both), over their longest common subsequence of lines.
pub(super) fn diff(expected: &str, came: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), came.lines().collect());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "  {}", a[i]);
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "- {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", b[j]);
            j += 1;
        }
    }
    out
}

/// The whole report of a failed expectation.
pub(super) fn failure(what: &str, log: &[Event], when: Option<&str>, expected: &str, came: &str) -> String {
    let mut out = format!("scenario failed: {what}\n\ngiven:\n{}", given(log));
    if let Some(line) = when {
        let _ = writeln!(out, "\nwhen:\n  {line}");
    }
    let _ = write!(out, "\nexpected:\n{}\n\ncame:\n{}\n", indent(expected), indent(came));
    if expected.lines().count() > 1 || came.lines().count() > 1 {
        let _ = write!(out, "\ndiff (- expected, + came):\n{}", indent(&diff(expected, came)));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_marks_lines_only_one_side_has() {
        assert_eq!(diff("a\nb\nc", "a\nx\nc"), "  a\n- b\n+ x\n  c\n");
        assert_eq!(diff("", "a"), "+ a\n");
        assert_eq!(diff("a", ""), "- a\n");
    }
}
