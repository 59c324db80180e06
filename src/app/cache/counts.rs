//! Events counted by type and by actor from the first position up to a
//! keyframe, kept in its frame: a diff's counts for `(A, B]` are then
//! `counts(B) − counts(A)`, each end being its nearest frame plus a read of
//! at most one keyframe interval (`crate::es::Store::sum_range`), instead
//! of a read of the whole range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::es::store::RangeSummary;

/// Events by type and by actor, cumulative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Events by type.
    #[serde(rename = "t")]
    pub by_type: BTreeMap<String, u64>,
    /// Events by actor (`metadata.actor`).
    #[serde(rename = "a")]
    pub by_actor: BTreeMap<String, u64>,
}

impl Counts {
    /// Adds a range's counts.
    pub fn add(&mut self, sum: &RangeSummary) {
        for (k, n) in &sum.by_type {
            *self.by_type.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &sum.by_actor {
            *self.by_actor.entry(k.clone()).or_default() += n;
        }
    }

    /// The counts of the events after `earlier` up to these (`None` when
    /// `earlier` counts more of something: not an earlier position's).
    #[must_use]
    pub fn since(&self, earlier: &Self) -> Option<(BTreeMap<String, u64>, BTreeMap<String, u64>)> {
        fn minus(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Option<BTreeMap<String, u64>> {
            if b.keys().any(|k| !a.contains_key(k)) {
                return None;
            }
            let mut out = BTreeMap::new();
            for (k, n) in a {
                let d = n.checked_sub(b.get(k).copied().unwrap_or(0))?;
                if d > 0 {
                    out.insert(k.clone(), d);
                }
            }
            Some(out)
        }
        Some((minus(&self.by_type, &earlier.by_type)?, minus(&self.by_actor, &earlier.by_actor)?))
    }
}
