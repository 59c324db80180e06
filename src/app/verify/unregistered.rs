//! The streams `verify` could not fold with a registered aggregate: named
//! per stream type, not counted as problems (their chain, positions and
//! versions are checked like every stream's).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::chain::Seen;
use crate::app::query::unregistered_note;
use crate::domain::Registry;

/// Stream ids named per unregistered type.
const MAX_EXAMPLES: usize = 5;

/// The streams of one type that no registered aggregate could fold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unregistered {
    /// The stream type as stored.
    pub stream_type: String,
    /// How many streams have it.
    pub streams: u64,
    /// The first few of their ids, sorted.
    pub examples: Vec<String>,
}

impl Unregistered {
    /// `2 streams (w-1, w-2) could not be folded: no aggregate registered
    /// for type Widget; …`.
    #[must_use]
    pub fn note(&self) -> String {
        let mut ids = self.examples.join(", ");
        if self.streams > self.examples.len() as u64 {
            ids.push_str(", …");
        }
        let s = if self.streams == 1 { "" } else { "s" };
        format!(
            "{} stream{s} ({ids}) could not be folded: {}; checked for the hash chain, positions and versions \
             only (read-only)",
            self.streams,
            unregistered_note(&self.stream_type)
        )
    }
}

/// The streams in `seen` whose type no domain in `registry` knows, grouped
/// by type (sorted).
pub(super) fn group(registry: &Registry, seen: &FxHashMap<String, Seen>) -> Vec<Unregistered> {
    let mut by_type: BTreeMap<&str, (u64, Vec<&str>)> = BTreeMap::new();
    for (id, s) in seen.iter().filter(|(_, s)| registry.kind(&s.stream_type).is_none()) {
        let entry = by_type.entry(s.stream_type.as_str()).or_default();
        entry.0 += 1;
        entry.1.push(id);
    }
    by_type
        .into_iter()
        .map(|(ty, (streams, mut ids))| {
            ids.sort_unstable();
            let examples = ids.into_iter().take(MAX_EXAMPLES).map(str::to_owned).collect();
            Unregistered { stream_type: ty.to_owned(), streams, examples }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_names_the_type_the_count_and_the_first_ids() {
        let one = Unregistered { stream_type: "Gadget".into(), streams: 1, examples: vec!["g-1".into()] };
        assert!(one.note().starts_with("1 stream (g-1) could not be folded: no aggregate registered for type Gadget"));
        let ids: Vec<String> = (1..=MAX_EXAMPLES).map(|i| format!("w-{i}")).collect();
        let many = Unregistered { stream_type: "Widget".into(), streams: 7, examples: ids };
        assert!(many.note().starts_with("7 streams (w-1, w-2, w-3, w-4, w-5, …) could not"), "{}", many.note());
    }
}
