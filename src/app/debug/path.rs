//! Dotted paths into a state's JSON: `balance_cents`, `address.city`,
//! `items.0` (a number indexes an array, or names an object's key).

use std::fmt;

use serde_json::Value;

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
        self.segments.iter().try_fold(v, |v, seg| match v {
            Value::Object(m) => m.get(seg),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
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
    fn empty_segments_are_refused() {
        for bad in ["", ".a", "a.", "a..b"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Path::parse("a.b").unwrap().as_str(), "a.b");
    }
}
