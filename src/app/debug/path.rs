//! Dotted paths into a state's JSON: `balance_cents`, `address.city`,
//! `items.0` (a number indexes an array, or names an object's key).

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::es::Row;

/// A parsed dotted path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path {
    text: String,
    segments: Vec<String>,
}

impl Path {
    /// Parses `a.b.0`.
    ///
    /// # Errors
    /// A message when a segment is empty (`a..b`, `.a`, `a.`, or nothing).
    pub fn parse(text: &str) -> Result<Self, String> {
        let segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!(
                "`{}` is not a dotted path (an empty segment)",
                crate::domain::registry::sanitize(text)
            ));
        }
        Ok(Self { text: text.to_owned(), segments })
    }

    /// The path as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value at this path in `v`, if there is one (a present `null`
    /// is `Some(Null)`).
    #[must_use]
    pub fn lookup<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.segments.iter().try_fold(v, |v, seg| lookup_one(v, seg))
    }
}

/// Something paths look into: a state's JSON, or a read model's row (read
/// in place, as its JSON object would read: a column, then into a JSON
/// cell), so a row is never turned into JSON to be searched.
pub trait State {
    /// The value at `path`, if there is one (a present `null` is
    /// `Some(Null)`).
    fn at(&self, path: &Path) -> Option<Cow<'_, Value>>;
}

impl State for Value {
    fn at(&self, path: &Path) -> Option<Cow<'_, Value>> {
        path.lookup(self).map(Cow::Borrowed)
    }
}

/// As [`Row::to_json`]'s object: a column is present (null cells too).
impl State for Row {
    fn at(&self, path: &Path) -> Option<Cow<'_, Value>> {
        let (first, rest) = path.segments.split_first()?;
        let cell = self.get(first)?;
        match cell {
            crate::es::Cell::Json(v) => rest.iter().try_fold(&**v, |v, seg| lookup_one(v, seg)).map(Cow::Borrowed),
            c if rest.is_empty() => Some(Cow::Owned(c.to_value())),
            _ => None,
        }
    }
}

/// An absent row (before it is written, after it is deleted) reads as
/// `null`: no path is present.
impl State for Option<&Row> {
    fn at(&self, path: &Path) -> Option<Cow<'_, Value>> {
        self.and_then(|r| r.at(path))
    }
}

fn lookup_one<'v>(v: &'v Value, seg: &str) -> Option<&'v Value> {
    match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::domain::registry::sanitize(&self.text))
    }
}

/// The top-level field names of a state, for messages (`fields: a, b`).
#[must_use]
pub fn field_names(v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => {
            m.keys().map(|k| crate::domain::registry::sanitize(k)).collect::<Vec<_>>().join(", ")
        }
        _ => "none".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lookup_follows_objects_and_array_indexes() {
        let v = json!({"balance_cents": 5, "address": {"city": "Oslo"}, "items": ["a", {"n": 2}], "gone": null});
        let at = |p: &str| Path::parse(p).unwrap().lookup(&v).cloned();
        assert_eq!(at("balance_cents"), Some(json!(5)));
        assert_eq!(at("address.city"), Some(json!("Oslo")));
        assert_eq!(at("items.0"), Some(json!("a")));
        assert_eq!(at("items.1.n"), Some(json!(2)));
        assert_eq!(at("gone"), Some(Value::Null), "a present null is present");
        assert_eq!(at("items.2"), None);
        assert_eq!(at("address.zip"), None);
        assert_eq!(at("balance_cents.x"), None);
    }

    #[test]
    fn a_row_reads_as_its_json_object() {
        use crate::es::{Cell, Column, ColumnKind, TableSpec};
        static T: TableSpec = TableSpec {
            name: "t",
            columns: &[
                Column { name: "id", kind: ColumnKind::Text },
                Column { name: "n", kind: ColumnKind::Integer },
                Column { name: "tags", kind: ColumnKind::Json },
                Column { name: "gone", kind: ColumnKind::Text },
            ],
            key_len: 1,
        };
        let r = Row::new(&T, [Cell::text("a"), Cell::Int(5), Cell::json(json!({"x": [1, {"y": 2}]})), Cell::Null]);
        let v = r.to_json();
        for p in
            ["id", "n", "tags", "tags.x", "tags.x.0", "tags.x.1.y", "tags.z", "gone", "gone.x", "n.x", "id.0", "nope"]
        {
            let path = Path::parse(p).unwrap();
            assert_eq!(r.at(&path).map(Cow::into_owned), v.at(&path).map(Cow::into_owned), "{p}");
        }
        assert_eq!(None::<&Row>.at(&Path::parse("id").unwrap()), None);
    }

    #[test]
    fn empty_segments_are_refused() {
        for bad in ["", ".a", "a.", "a..b"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Path::parse("a.b").unwrap().as_str(), "a.b");
    }
}
