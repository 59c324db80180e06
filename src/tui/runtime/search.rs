//! The filter (`/`) over the whole log: read by position ranges, a chunk at
//! a time (never the whole log at once), nearest chunks first.

use super::super::app::{Matches, matches_filter};
use super::super::text;
use crate::app::{AppError, Chronicle};
use crate::es::StoredEvent;

/// Events read per query.
const CHUNK: u64 = 2_000;

/// The chunks of `1..=head` from `from` (exclusive) in one direction,
/// nearest first.
fn chunks(from: u64, forward: bool, head: u64) -> impl Iterator<Item = (u64, u64)> {
    let mut next = if forward { from.saturating_add(1) } else { from.saturating_sub(1) };
    std::iter::from_fn(move || {
        if forward {
            (next >= 1 && next <= head).then(|| {
                let r = (next, (next + CHUNK - 1).min(head));
                next = r.1 + 1;
                r
            })
        } else {
            (next >= 1).then(|| {
                let r = (next.saturating_sub(CHUNK - 1).max(1), next.min(head));
                next = r.0 - 1;
                r
            })
        }
    })
}

/// The first event matching `filter` after (`forward`) or before `from`,
/// anywhere in the log; or a message saying there is none.
///
/// # Errors
/// Store failures.
pub fn find(
    chron: &Chronicle,
    filter: &str,
    from: u64,
    forward: bool,
    head: u64,
) -> Result<Result<u64, String>, AppError> {
    for (lo, hi) in chunks(from, forward, head) {
        let events = chron.events(lo, hi)?;
        let hit = if forward {
            events.iter().find(|e| matches_filter(filter, e))
        } else {
            events.iter().rev().find(|e| matches_filter(filter, e))
        };
        if let Some(e) = hit {
            return Ok(Ok(e.position));
        }
    }
    let f = text::clean(filter);
    Ok(Err(if forward {
        format!("`{f}`: no match after {from} (searched to the head, {head}); N searches back")
    } else {
        format!("`{f}`: no match before {from} (searched to the first event); n searches on")
    }))
}

/// The events matching `filter` around `center`: up to `half` on each side
/// (the cursor's own event counts as after), searching outwards to the
/// log's ends if need be.
///
/// # Errors
/// Store failures.
pub fn around(chron: &Chronicle, filter: &str, center: u64, half: usize, head: u64) -> Result<Matches, AppError> {
    let mut before: Vec<StoredEvent> = Vec::new();
    let mut lo = center.max(1);
    for (a, b) in chunks(center, false, head) {
        let events = chron.events(a, b)?;
        before.extend(events.into_iter().rev().filter(|e| matches_filter(filter, e)));
        lo = a;
        if before.len() >= half {
            // Keep every match of the range searched: the range stays exact.
            break;
        }
    }
    before.reverse();
    let mut after: Vec<StoredEvent> = Vec::new();
    let mut hi = center;
    for (a, b) in chunks(center.saturating_sub(1), true, head) {
        let events = chron.events(a, b)?;
        after.extend(events.into_iter().filter(|e| matches_filter(filter, e)));
        hi = b;
        if after.len() >= half {
            break;
        }
    }
    before.extend(after);
    Ok(Matches { filter: filter.to_owned(), lo, hi: hi.max(center), events: before })
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_cover_the_log_nearest_first() {
        let fw: Vec<_> = chunks(0, true, 4_500).collect();
        assert_eq!(fw, vec![(1, 2_000), (2_001, 4_000), (4_001, 4_500)]);
        let bw: Vec<_> = chunks(4_501, false, 4_500).collect();
        assert_eq!(bw, vec![(2_501, 4_500), (501, 2_500), (1, 500)]);
        assert_eq!(chunks(1, false, 10).count(), 0);
        assert_eq!(chunks(10, true, 10).count(), 0);
    }
}
