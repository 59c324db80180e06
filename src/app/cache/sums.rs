//! Each frame interval's events summed up (counts by type and by actor,
//! streams touched), kept in the cache file apart from the frames: a diff
//! without a timeline sums `(A, B]` from the intervals inside it plus reads
//! of its two edges (and of whatever the log grew past the cached head),
//! exactly as [`Chronicle::diff_with_summaries`] does with a timeline's,
//! instead of reading the whole range.
//!
//! Stored as bytes: each text a little-endian `u32` length then its UTF-8,
//! each count a little-endian `u64`: event types and their counts, actors
//! and theirs, stream types, then streams touched (sorted by id) each with
//! the index of its type (`u16`). Decoding borrows the texts.

use crate::app::Chronicle;
use crate::app::timeline::{IntervalSums, Summaries};
use crate::es::store::RangeSummary;

/// `sum` as stored.
///
/// # Errors
/// More than 65,536 stream types in one interval, or a text or list past
/// `u32`'s range.
pub(crate) fn encode(sum: &RangeSummary) -> Result<Vec<u8>, String> {
    fn len(out: &mut Vec<u8>, n: usize) -> Result<(), String> {
        let n = u32::try_from(n).map_err(|_| "an interval too large to cache".to_owned())?;
        out.extend_from_slice(&n.to_le_bytes());
        Ok(())
    }
    fn text(out: &mut Vec<u8>, s: &str) -> Result<(), String> {
        len(out, s.len())?;
        out.extend_from_slice(s.as_bytes());
        Ok(())
    }
    let mut out = Vec::with_capacity(64 + sum.streams.len() * 16);
    for counts in [&sum.by_type, &sum.by_actor] {
        len(&mut out, counts.len())?;
        for (k, n) in counts {
            text(&mut out, k)?;
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    let mut types: Vec<&str> = Vec::new();
    let mut kinds = Vec::with_capacity(sum.streams.len());
    for ty in sum.streams.values() {
        let i = types.iter().position(|t| t == ty).unwrap_or_else(|| {
            types.push(ty);
            types.len() - 1
        });
        kinds.push(u16::try_from(i).map_err(|_| "an interval of too many stream types to cache".to_owned())?);
    }
    len(&mut out, types.len())?;
    for t in types {
        text(&mut out, t)?;
    }
    len(&mut out, sum.streams.len())?;
    for (id, kind) in sum.streams.keys().zip(kinds) {
        text(&mut out, id)?;
        out.extend_from_slice(&kind.to_le_bytes());
    }
    Ok(out)
}

/// Reads stored bytes in order.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("its interval sums are cut short".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn len(&mut self) -> Result<usize, String> {
        usize::try_from(u32::from_le_bytes(self.fixed()?)).map_err(|e| e.to_string())
    }

    fn text(&mut self) -> Result<&'a str, String> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| "its interval sums hold text that is not UTF-8".to_owned())
    }

    fn counts(&mut self) -> Result<Vec<(&'a str, u64)>, String> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n.min(self.0.len() / 12));
        for _ in 0..n {
            out.push((self.text()?, u64::from_le_bytes(self.fixed()?)));
        }
        Ok(out)
    }
}

/// Stored bytes back as an interval's sums, borrowing the texts.
///
/// # Errors
/// The bytes are cut short, hold text that is not UTF-8 or a stream type
/// index out of range.
pub(crate) fn decode(bytes: &[u8]) -> Result<IntervalSums<'_>, String> {
    let mut c = Cursor(bytes);
    let (by_type, by_actor) = (c.counts()?, c.counts()?);
    let n = c.len()?;
    let types = (0..n).map(|_| c.text()).collect::<Result<Vec<_>, _>>()?;
    let n = c.len()?;
    let mut streams = Vec::with_capacity(n.min(c.0.len() / 6));
    for _ in 0..n {
        let id = c.text()?;
        let kind = u16::from_le_bytes(c.fixed()?);
        if usize::from(kind) >= types.len() {
            return Err("its interval sums name an unknown stream type".to_owned());
        }
        streams.push((id, kind));
    }
    Ok(IntervalSums { by_type, by_actor, types, streams })
}

impl Chronicle {
    /// The sums of the cached frame intervals lying inside `(from, to]`, as
    /// a timeline's ([`Summaries::sum`] reads the rest of the range: its
    /// edges, and past the cached head). `None` (the caller reads the
    /// range) without a usable cache (see [`super::read`]) or when no
    /// cached interval lies inside.
    #[must_use]
    pub fn cached_summaries(&self, from: u64, to: u64) -> Option<Summaries> {
        match self.try_cached_summaries(from, to) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("keyframe cache not used: {e}");
                None
            }
        }
    }

    fn try_cached_summaries(&self, from: u64, to: u64) -> Result<Option<Summaries>, String> {
        if from >= to {
            return Ok(None);
        }
        let Some((path, file, header)) = self.matching_cache()? else { return Ok(None) };
        let io = |e: String| format!("cache {}: {e}", path.display());
        let sums = Summaries::default();
        let (mut intervals, mut events, mut last) = (0_usize, 0_u64, from);
        file.sums(from, to.min(header.head), &mut |after, end, bytes| {
            // An interval overlapping one taken (a file extended from a
            // timeline that did not restore its frames) is left out: the
            // stretch it would cover is read instead, never counted twice.
            if after < last {
                return Ok(());
            }
            last = end;
            sums.insert((after, end), &decode(bytes)?);
            intervals += 1;
            events += end - after;
            Ok(())
        })
        .map_err(io)?;
        if intervals == 0 {
            return Ok(None);
        }
        tracing::debug!(cache = %path.display(), from, to, intervals, events, "streams touched from cached interval sums");
        Ok(Some(sums))
    }
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};
    use crate::es::store::RangeSummary;

    #[test]
    fn an_interval_sum_reads_back_as_written_and_cut_bytes_are_an_error() {
        let sum = RangeSummary {
            by_type: [("Deposited".to_owned(), 3), ("Opened".to_owned(), 1)].into(),
            by_actor: [(String::new(), 1), ("ada".to_owned(), 3)].into(),
            streams: [("acc-1".to_owned(), "Account".to_owned()), ("ü-2".to_owned(), "Ledger".to_owned())].into(),
        };
        let bytes = encode(&sum).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back.by_type, vec![("Deposited", 3), ("Opened", 1)]);
        assert_eq!(back.by_actor, vec![("", 1), ("ada", 3)]);
        let streams: Vec<(&str, &str)> =
            back.streams.iter().map(|(id, k)| (*id, back.types[usize::from(*k)])).collect();
        assert_eq!(streams, vec![("acc-1", "Account"), ("ü-2", "Ledger")]);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "cut at {n}");
        }
    }
}
