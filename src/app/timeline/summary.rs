//! What the events of each keyframe interval add up to (counts by type and
//! by actor, streams touched), kept by the timeline, so the counts of a long
//! range `(A, B]` cost the intervals inside it plus a read of its two
//! partial edges (at most one interval each) instead of a read of the whole
//! range.
//!
//! Intervals are summed after the fold built them, when the front end is
//! idle ([`super::Timeline::sum_ahead`]; one payload-free read of each,
//! [`Store::sum_range`]: the fold's rows carry no metadata, hence no actor),
//! so seeks and prefetching do not pay for them. Intervals never straddle a
//! keyframe boundary, so when K doubles, neighbours within one new interval
//! merge: their number stays about the keyframes'. Stream ids are the
//! `Arc<str>` the worlds hold, so an interval costs a pointer (and a type
//! index) per stream.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::World;
use crate::app::AppError;
use crate::es::Store;
use crate::es::store::{RangeSummary, Summing};

/// Positions read per page of an uncovered stretch (a stop is asked between pages).
const PAGE: u64 = 65_536;

/// The events of one interval summed up.
#[derive(Debug)]
struct Piece {
    /// The interval's last position (its first is the map key + 1).
    end: u64,
    /// Events by type, by name.
    by_type: Vec<(Arc<str>, u64)>,
    /// Events by actor, by name.
    by_actor: Vec<(Arc<str>, u64)>,
    /// Streams touched, by id.
    ids: Box<[Arc<str>]>,
    /// Each stream's type (of its first event in the interval), an index
    /// into `types`.
    kinds: Box<[u16]>,
    /// The stream types of the interval.
    types: Box<[Arc<str>]>,
}

impl Piece {
    /// A read's summary as a piece, stream ids shared with `world`'s.
    /// `None` past 65,536 stream types in one interval (then it is read).
    fn of(sum: RangeSummary, end: u64, world: &World, names: &mut Names) -> Option<Self> {
        let mut counts =
            |m: BTreeMap<String, u64>| m.into_iter().map(|(k, n)| (intern(names, &k), n)).collect::<Vec<_>>();
        let (by_type, by_actor) = (counts(sum.by_type), counts(sum.by_actor));
        let mut types: Vec<Arc<str>> = Vec::new();
        let mut ids = Vec::with_capacity(sum.streams.len());
        let mut kinds = Vec::with_capacity(sum.streams.len());
        for (id, ty) in sum.streams {
            kinds.push(kind_of(&mut types, &intern(names, &ty))?);
            ids.push(world.streams.get_key_value(id.as_str()).map_or_else(|| Arc::from(id), |(k, _)| Arc::clone(k)));
        }
        Some(Self { end, by_type, by_actor, ids: ids.into(), kinds: kinds.into(), types: types.into() })
    }

    /// `self` then `next` (the interval just after) as one piece: counts
    /// added, streams united (a stream's type is its first in `self`).
    fn then(&self, next: &Self) -> Option<Self> {
        let mut types = self.types.to_vec();
        let remap: Vec<u16> = next.types.iter().map(|t| kind_of(&mut types, t)).collect::<Option<_>>()?;
        let (mut ids, mut kinds) = (Vec::with_capacity(self.ids.len() + next.ids.len()), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < self.ids.len() || j < next.ids.len() {
            let take_first = j == next.ids.len() || (i < self.ids.len() && self.ids[i] <= next.ids[j]);
            if take_first {
                if j < next.ids.len() && self.ids[i] == next.ids[j] {
                    j += 1;
                }
                ids.push(Arc::clone(&self.ids[i]));
                kinds.push(self.kinds[i]);
                i += 1;
            } else {
                ids.push(Arc::clone(&next.ids[j]));
                kinds.push(remap[usize::from(next.kinds[j])]);
                j += 1;
            }
        }
        Some(Self {
            end: next.end,
            by_type: add_counts(&self.by_type, &next.by_type),
            by_actor: add_counts(&self.by_actor, &next.by_actor),
            ids: ids.into(),
            kinds: kinds.into(),
            types: types.into(),
        })
    }
}

/// Texts shared by every piece (event types, actors, stream types: few,
/// each held once).
type Names = HashSet<Arc<str>>;

/// `text` as the one `Arc` of it in `names`.
fn intern(names: &mut Names, text: &str) -> Arc<str> {
    if let Some(a) = names.get(text) {
        return Arc::clone(a);
    }
    let a: Arc<str> = Arc::from(text);
    names.insert(Arc::clone(&a));
    a
}

/// The index of stream type `ty` in `types` (added if new); `None` past
/// `u16`'s range.
fn kind_of(types: &mut Vec<Arc<str>>, ty: &Arc<str>) -> Option<u16> {
    let i = types.iter().position(|t| t == ty).unwrap_or_else(|| {
        types.push(Arc::clone(ty));
        types.len() - 1
    });
    u16::try_from(i).ok()
}

/// Two sorted count lists added up.
fn add_counts(a: &[(Arc<str>, u64)], b: &[(Arc<str>, u64)]) -> Vec<(Arc<str>, u64)> {
    let mut out: BTreeMap<&Arc<str>, u64> = BTreeMap::new();
    for (k, n) in a.iter().chain(b) {
        *out.entry(k).or_default() += n;
    }
    out.into_iter().map(|(k, n)| (Arc::clone(k), n)).collect()
}

/// The timeline's interval summaries, by first position − 1. A handle:
/// clones share them (a front end reads them while the timeline's thread
/// adds more).
#[derive(Debug, Clone, Default)]
pub struct Summaries {
    pieces: Arc<Mutex<BTreeMap<u64, Arc<Piece>>>>,
    names: Arc<Mutex<Names>>,
}

impl Summaries {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Piece>>> {
        // A panic elsewhere leaves whole pieces: still right.
        self.pieces.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many intervals are held, the events they cover, and the streams
    /// they list (a stream once per interval it was touched in: what their
    /// memory grows with, about 18 bytes each).
    #[must_use]
    pub fn covered(&self) -> (usize, u64, usize) {
        let pieces = self.lock();
        let events = pieces.iter().map(|(start, p)| p.end - start).sum();
        (pieces.len(), events, pieces.values().map(|p| p.ids.len()).sum())
    }

    /// The stretches of `(after, upto]` not covered yet, in order.
    fn gaps(&self, after: u64, upto: u64) -> Vec<(u64, u64)> {
        // Pieces overlapping the range (ends grow with starts: none overlap).
        let overlapping: Vec<(u64, u64)> = {
            let pieces = self.lock();
            let mut v: Vec<(u64, u64)> =
                pieces.range(..upto).rev().take_while(|(_, p)| p.end > after).map(|(s, p)| (*s, p.end)).collect();
            v.reverse();
            v
        };
        let mut out = Vec::new();
        let mut at = after;
        for (start, end) in overlapping {
            if start > at {
                out.push((at, start));
            }
            at = at.max(end);
        }
        if at < upto {
            out.push((at, upto));
        }
        out
    }

    /// The pieces wholly inside `(after, upto]`, in order.
    fn inside(&self, after: u64, upto: u64) -> Vec<(u64, Arc<Piece>)> {
        self.lock().range(after..upto).filter(|(_, p)| p.end <= upto).map(|(s, p)| (*s, Arc::clone(p))).collect()
    }

    /// Sums up the stretches of `(0, upto]` not held yet, one piece per
    /// interval of `every` (K now) at most, `budget` events at most, then
    /// merges neighbours within one interval. Returns whether all are held.
    ///
    /// # Errors
    /// Store failures.
    pub(super) fn fill_ahead(
        &self,
        store: &Store,
        world: &World,
        (upto, every): (u64, u64),
        budget: u64,
    ) -> Result<bool, AppError> {
        let every = every.max(1);
        let mut left = budget;
        let mut all = true;
        'gaps: for (after, end) in self.gaps(0, upto) {
            let mut at = after;
            while at < end {
                if left == 0 {
                    all = false;
                    break 'gaps;
                }
                let upto = (at / every + 1).saturating_mul(every).min(end);
                let mut sum = Summing::default();
                store.sum_range(at, upto, &mut sum)?;
                let piece = {
                    let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
                    Piece::of(sum.finish(), upto, world, &mut names)
                };
                if let Some(piece) = piece {
                    self.lock().insert(at, Arc::new(piece));
                }
                left = left.saturating_sub(upto - at);
                at = upto;
            }
        }
        self.merge(every);
        Ok(all)
    }

    /// Merges neighbouring pieces that lie within one interval of `every`.
    pub(super) fn merge(&self, every: u64) {
        let mut pieces = self.lock();
        let every = every.max(1);
        let mut out: BTreeMap<u64, Arc<Piece>> = BTreeMap::new();
        let mut last: Option<(u64, Arc<Piece>)> = None;
        for (start, p) in std::mem::take(&mut *pieces) {
            last = match last {
                Some((s, prev)) if prev.end == start && s / every == (p.end - 1) / every => {
                    if let Some(merged) = prev.then(&p) {
                        Some((s, Arc::new(merged)))
                    } else {
                        out.insert(s, prev);
                        Some((start, p))
                    }
                }
                Some((s, prev)) => {
                    out.insert(s, prev);
                    Some((start, p))
                }
                None => Some((start, p)),
            };
        }
        if let Some((s, p)) = last {
            out.insert(s, p);
        }
        *pieces = out;
    }

    /// The events of `(after, upto]` summed up as [`Store::sum_range`] would:
    /// the intervals held inside it, plus reads of the rest (its edges, and
    /// whatever was not folded yet). `streams`: whether the streams touched
    /// are wanted (else left empty).
    ///
    /// # Errors
    /// Store failures; `diff cancelled` once `stop` says so.
    pub fn sum(
        &self,
        store: &Store,
        (after, upto): (u64, u64),
        streams: bool,
        stop: &dyn Fn() -> bool,
    ) -> Result<RangeSummary, AppError> {
        let pieces = self.inside(after, upto);
        // In position order: the gaps read, and the pieces between them.
        let mut read: Vec<(u64, RangeSummary)> = Vec::new();
        let mut at = after;
        let ends = pieces.iter().map(|(s, p)| (*s, p.end)).chain(std::iter::once((upto, upto)));
        for (start, end) in ends {
            if start > at {
                read.push((at, read_range(store, at, start, stop)?));
            }
            at = end;
        }
        let mut out = RangeSummary::default();
        let mut touched: HashMap<&str, &str> = HashMap::default();
        let (mut g, mut p) = (read.iter().peekable(), pieces.iter().peekable());
        loop {
            let gap_first = match (g.peek(), p.peek()) {
                (Some((gs, _)), Some((ps, _))) => gs < ps,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if gap_first {
                let Some((_, sum)) = g.next() else { break };
                add(&mut out.by_type, sum.by_type.iter().map(|(k, n)| (k.as_str(), *n)));
                add(&mut out.by_actor, sum.by_actor.iter().map(|(k, n)| (k.as_str(), *n)));
                if streams {
                    for (id, ty) in &sum.streams {
                        touched.entry(id.as_str()).or_insert(ty.as_str());
                    }
                }
            } else {
                let Some((_, piece)) = p.next() else { break };
                add(&mut out.by_type, piece.by_type.iter().map(|(k, n)| (&**k, *n)));
                add(&mut out.by_actor, piece.by_actor.iter().map(|(k, n)| (&**k, *n)));
                if streams {
                    for (id, kind) in piece.ids.iter().zip(piece.kinds.iter()) {
                        touched.entry(&**id).or_insert(&*piece.types[usize::from(*kind)]);
                    }
                }
            }
        }
        let mut list: Vec<(&str, &str)> = touched.into_iter().collect();
        list.sort_unstable();
        out.streams = list.into_iter().map(|(id, ty)| (id.to_owned(), ty.to_owned())).collect();
        Ok(out)
    }
}

/// One interval's sums kept elsewhere (the keyframe cache's file), borrowed:
/// what [`Summaries::insert`] takes.
#[derive(Debug, Default)]
pub struct IntervalSums<'a> {
    /// Events by type.
    pub by_type: Vec<(&'a str, u64)>,
    /// Events by actor.
    pub by_actor: Vec<(&'a str, u64)>,
    /// The stream types of the interval.
    pub types: Vec<&'a str>,
    /// Streams touched, sorted by id, with an index into `types`.
    pub streams: Vec<(&'a str, u16)>,
}

impl Summaries {
    /// Holds `sums` as the interval `(after, end]`'s, as if summed here (so
    /// a diff without a timeline sums a range from a file's intervals).
    pub fn insert(&self, (after, end): (u64, u64), sums: &IntervalSums<'_>) {
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        let mut counts = |v: &[(&str, u64)]| v.iter().map(|(k, n)| (intern(&mut names, k), *n)).collect::<Vec<_>>();
        let (by_type, by_actor) = (counts(&sums.by_type), counts(&sums.by_actor));
        let types: Box<[Arc<str>]> = sums.types.iter().map(|t| intern(&mut names, t)).collect();
        let ids = sums.streams.iter().map(|(id, _)| Arc::from(*id)).collect();
        let kinds = sums.streams.iter().map(|(_, k)| *k).collect();
        drop(names);
        self.lock().insert(after, Arc::new(Piece { end, by_type, by_actor, ids, kinds, types }));
    }
}

impl super::Timeline {
    /// The summaries of its intervals ([`Self::sum_ahead`]): a handle that
    /// follows later sums too (see [`Summaries::sum`]).
    #[must_use]
    pub fn summaries(&self) -> Summaries {
        self.sums.clone()
    }

    /// Sums up the keyframe intervals built (up to [`Self::built`]) not
    /// summed yet, at most `budget` events of them (an idle front end's
    /// work after [`Self::prefetch`]: folds do not pay for it). Returns
    /// whether every interval built is summed.
    ///
    /// # Errors
    /// Store failures.
    pub fn sum_ahead(&mut self, store: &Store, budget: u64) -> Result<bool, AppError> {
        let upto = self.built();
        // The world there holds every stream touched before it (ids shared).
        let world = match self.keyframes.map.iter().next_back() {
            Some((k, w)) if *k > self.frontier.position => &**w,
            _ => &self.frontier,
        };
        self.sums.fill_ahead(store, world, (upto, self.keyframes.every), budget)
    }
}

/// Adds counts into a summary's map.
fn add<'a>(into: &mut BTreeMap<String, u64>, counts: impl Iterator<Item = (&'a str, u64)>) {
    for (k, n) in counts {
        match into.get_mut(k) {
            Some(m) => *m += n,
            None => {
                into.insert(k.to_owned(), n);
            }
        }
    }
}

/// `(after, upto]` read from the store a page at a time.
fn read_range(store: &Store, after: u64, upto: u64, stop: &dyn Fn() -> bool) -> Result<RangeSummary, AppError> {
    let mut sum = Summing::default();
    let mut at = after;
    while at < upto {
        if stop() {
            return Err(AppError::Usage("diff cancelled".into()));
        }
        let end = at.saturating_add(PAGE).min(upto);
        store.sum_range(at, end, &mut sum)?;
        at = end;
    }
    Ok(sum.finish())
}
