//! The correlation id of an event's metadata, as schema version 3 stores it
//! in `events.correlation_id` (written with the event, indexed by a plain
//! btree): the metadata's top-level `correlation_id` when it is a JSON
//! string, otherwise NULL — also when the metadata is not JSON, or JSON that
//! PostgreSQL's `jsonb` refuses (a `\u0000` escape), exactly as the
//! migration's backfill computes it in SQL (`migrate_v3.sql`). A string only,
//! as SQLite's index matches (`json_extract` of a number is no text) and as
//! [`crate::es::Metadata`] reads it. A key given twice counts by its last
//! value, as `jsonb` keeps it.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

/// The correlation id `metadata` gives, if any (see the module's doc).
#[must_use]
pub fn correlation_id(metadata: &str) -> Option<Cow<'_, str>> {
    if let Ok(flat) = flat(metadata) {
        return flat.map(Cow::Borrowed);
    }
    if has_nul_escape(metadata) {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(metadata);
    let found = de.deserialize_any(Top).ok()?;
    de.end().ok()?;
    found
}

/// The answer for the metadata chronicle itself writes, without a parser
/// (an import computes it for every event): an object of string members
/// only, no whitespace, no backslash or control character in any string —
/// text that is JSON, and JSON `jsonb` takes, by its shape. `Err`: not of
/// that shape (the parser decides); `Ok(None)`: no `correlation_id`.
fn flat(json: &str) -> Result<Option<&str>, NotFlat> {
    let b = json.as_bytes();
    let mut at = 1;
    let mut found = None;
    if b.first() != Some(&b'{') {
        return Err(NotFlat);
    }
    // The string starting at `at` (its opening quote): its text, `at` moved past it.
    let string = |at: &mut usize| -> Option<&str> {
        if b.get(*at) != Some(&b'"') {
            return None;
        }
        let start = *at + 1;
        let text = json.get(start..)?;
        let text = &text[..text.find('"')?];
        if text.bytes().any(|c| c < 0x20 || c == b'\\') {
            return None;
        }
        *at = start + text.len() + 1;
        Some(text)
    };
    if b.get(at) == Some(&b'}') {
        return if at + 1 == b.len() { Ok(None) } else { Err(NotFlat) };
    }
    loop {
        let key = string(&mut at).ok_or(NotFlat)?;
        if b.get(at) != Some(&b':') {
            return Err(NotFlat);
        }
        at += 1;
        let value = string(&mut at).ok_or(NotFlat)?;
        if key == "correlation_id" {
            found = Some(value);
        }
        match b.get(at) {
            Some(b',') => at += 1,
            Some(b'}') if at + 1 == b.len() => return Ok(found),
            _ => return Err(NotFlat),
        }
    }
}

/// Metadata not of the shape [`flat`] reads.
struct NotFlat;

/// Whether the JSON text holds a `\u0000` escape (the backslash itself not
/// escaped): `jsonb` refuses the whole text then.
fn has_nul_escape(json: &str) -> bool {
    let b = json.as_bytes();
    let mut from = 0;
    while let Some(i) = json.get(from..).and_then(|s| s.find("u0000")).map(|i| i + from) {
        let slashes = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
        if slashes % 2 == 1 {
            return true;
        }
        from = i + 5;
    }
    false
}

/// The top-level value: an object's last `correlation_id` string; any other
/// value (an array, a scalar) has none.
struct Top;

impl<'de> Visitor<'de> for Top {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "correlation_id" {
                found = map.next_value::<Id<'de>>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A `correlation_id` value: the text of a string, nothing for any other.
struct Id<'de>(Option<Cow<'de, str>>);

impl<'de> de::Deserialize<'de> for Id<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Id<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Id(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Id(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Id(Some(Cow::Owned(v))))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Id(None))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Id(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Id(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Id(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Id(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Id(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Id(None))
    }
}

#[cfg(test)]
mod tests {
    use super::correlation_id;

    #[test]
    fn a_string_correlation_id_is_taken_anything_else_is_none() {
        let id = |m: &str| correlation_id(m).map(std::borrow::Cow::into_owned);
        assert_eq!(id(r#"{"correlation_id":"c-1","actor":"ada"}"#), Some("c-1".to_owned()));
        assert_eq!(id(r#"{"actor":{"x":[1,2]},"correlation_id":"c\"2\u00e9"}"#), Some("c\"2é".to_owned()));
        assert_eq!(id(r#"{"correlation_id":"a","correlation_id":"b"}"#), Some("b".to_owned()));
        assert_eq!(id(r#"{"correlation_id":7}"#), None);
        assert_eq!(id(r#"{"correlation_id":null}"#), None);
        assert_eq!(id(r#"{"actor":"ada"}"#), None);
        assert_eq!(id(r#"["correlation_id","c-1"]"#), None);
        assert_eq!(id("not json"), None);
        assert_eq!(id(r#"{"correlation_id":"c-1"} x"#), None);
        // jsonb refuses the whole text: so does the column.
        assert_eq!(id(r#"{"correlation_id":"c-1","actor":"a\u0000b"}"#), None);
        // An escaped backslash before `u0000` is no escape of NUL.
        assert_eq!(id(r#"{"correlation_id":"c-1","actor":"a\\u0000b"}"#), Some("c-1".to_owned()));
        // The shape chronicle writes, read without the parser; near misses
        // of it go to the parser.
        assert_eq!(id(r#"{"correlation_id":"c-1","causation_id":"c-1","actor":"x"}"#), Some("c-1".to_owned()));
        assert_eq!(id(r#"{"actor":"x","correlation_id":"c-1"}"#), Some("c-1".to_owned()));
        assert_eq!(id("{}"), None);
        assert_eq!(id(r#"{"actor":"x"}"#), None);
        assert_eq!(id(r#"{"correlation_id":"c-1","actor":"x"},"#), None);
        assert_eq!(id(r#"{"correlation_id":"c-1","actor":"x""#), None);
        assert_eq!(id(r#"{"correlation_id":"c-1",}"#), None);
        assert_eq!(id("{\"correlation_id\":\"c\t1\"}"), None);
        assert_eq!(id(r#"{"correlation_id":"c-1" ,"n":1}"#), Some("c-1".to_owned()));
        assert_eq!(id(r#"{"correlation_id":"c-1","n":1}"#), Some("c-1".to_owned()));
        assert_eq!(id(r#"{"correlation_id" :"c-1"}"#), Some("c-1".to_owned()));
    }
}
