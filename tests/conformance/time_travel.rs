//! Time-travel reads of the log: by position range, by time, a stream up
//! to a position, the `log` filters, and the streams' summaries.

use chronicle::es::store::{LogFilter, StreamInfo, StreamReader};
use chronicle::es::{ExpectedVersion, Store, StreamAppend};

use crate::fixture::{Fixture, appended, to};

/// The days events 1..=6 were recorded on (two on the 3rd).
const TIMES: [&str; 6] = [
    "2026-01-01T00:00:00.000000Z",
    "2026-01-02T00:00:00.000000Z",
    "2026-01-03T00:00:00.000000Z",
    "2026-01-03T00:00:00.000000Z",
    "2026-01-04T12:30:00.500000Z",
    "2026-01-05T00:00:00.000000Z",
];

fn at(mut batch: StreamAppend, first: usize) -> StreamAppend {
    for (i, e) in batch.events.iter_mut().enumerate() {
        e.recorded_at = Some(TIMES[first + i].into());
        e.metadata = format!(r#"{{"correlation_id":"c-{}"}}"#, (first + i) % 2);
    }
    batch
}

/// `a`: positions 1, 3, 4, 6; `b`: 2, 5 (type `Other`, event type `Moved`).
fn store(f: &Fixture) -> Store {
    let mut s = f.open();
    let b = |ids: &[&str], first| {
        let mut x = at(to("b", ExpectedVersion::Any, ids), first);
        x.stream_type = "Other".into();
        for e in &mut x.events {
            e.event_type = "Moved".into();
        }
        x
    };
    appended(&mut s, vec![at(to("a", ExpectedVersion::Any, &["1"]), 0)]);
    appended(&mut s, vec![b(&["2"], 1)]);
    appended(&mut s, vec![at(to("a", ExpectedVersion::Any, &["3", "4"]), 2)]);
    appended(&mut s, vec![b(&["5"], 4)]);
    appended(&mut s, vec![at(to("a", ExpectedVersion::Any, &["6"]), 5)]);
    s
}

fn positions(events: &[chronicle::es::StoredEvent]) -> Vec<u64> {
    events.iter().map(|e| e.position).collect()
}

pub fn read_range_and_single_events(f: &Fixture) {
    let s = store(f);
    assert_eq!(positions(&s.read_range(2, 4).expect("range")), [2, 3, 4]);
    assert_eq!(positions(&s.read_range(5, 100).expect("range")), [5, 6], "past the head");
    assert!(s.read_range(4, 3).expect("range").is_empty(), "an empty range");
    assert!(s.read_range(7, 9).expect("range").is_empty());
    let e = s.event(5).expect("event").expect("event 5");
    assert_eq!((e.event_id.as_str(), e.stream_id.as_str(), e.version, e.recorded_at.as_str()), ("5", "b", 2, TIMES[4]));
    assert!(s.event(7).expect("event").is_none());
    assert!(s.event(0).expect("event").is_none());
    let mut folded = Vec::new();
    s.scan_fold(2, 5, |e| {
        folded.push((e.position, e.stream_id.to_owned(), e.version));
        Ok::<_, chronicle::es::StoreError>(())
    })
    .expect("scan_fold");
    assert_eq!(folded, [(2, "b".into(), 1), (3, "a".into(), 2), (4, "a".into(), 3), (5, "b".into(), 2)]);
    let mut scanned = Vec::new();
    s.scan(1, 6, |e| {
        scanned.push(e.position);
        Ok::<_, chronicle::es::StoreError>(())
    })
    .expect("scan");
    assert_eq!(scanned, [1, 2, 3, 4, 5, 6]);
}

pub fn position_at_time_finds_the_last_event_at_or_before(f: &Fixture) {
    let s = store(f);
    let cases = [
        ("2025-12-31T23:59:59.999999Z", 0),
        ("2026-01-01T00:00:00.000000Z", 1),
        ("2026-01-02T23:59:59.999999Z", 2),
        ("2026-01-03T00:00:00.000000Z", 4),
        ("2026-01-04T12:30:00.499999Z", 4),
        ("2026-01-04T12:30:00.500000Z", 5),
        ("2027-01-01T00:00:00.000000Z", 6),
    ];
    for (time, want) in cases {
        assert_eq!(s.position_at_time(time).expect("position_at_time"), want, "at {time}");
    }
}

pub fn stream_events_stop_at_max_position(f: &Fixture) {
    let s = store(f);
    let versions = |after, max| -> Vec<(u64, u64)> {
        let events = s.stream_events("a", after, max).expect("stream_events");
        let through_reader = s.read_stream("a", after, max).expect("read_stream");
        assert_eq!(events, through_reader, "Store and StreamReader agree");
        events.iter().map(|e| (e.version, e.position)).collect()
    };
    assert_eq!(versions(0, u64::MAX >> 1), [(1, 1), (2, 3), (3, 4), (4, 6)]);
    assert_eq!(versions(0, 3), [(1, 1), (2, 3)], "as of position 3");
    assert_eq!(versions(0, 5), [(1, 1), (2, 3), (3, 4)]);
    assert_eq!(versions(2, 6), [(3, 4), (4, 6)], "after version 2");
    assert_eq!(versions(1, 2), [], "nothing of a between 2 and 3");
    assert_eq!(versions(0, 0), []);
    assert!(s.stream_events("nope", 0, 100).expect("stream_events").is_empty());
    let mut folded = Vec::new();
    s.scan_stream("a", 1, 4, |e| {
        folded.push(e.version);
        Ok::<_, chronicle::es::StoreError>(())
    })
    .expect("scan_stream");
    assert_eq!(folded, [2, 3]);
}

pub fn log_filters_combine(f: &Fixture) {
    let s = store(f);
    let log = |filter: LogFilter, limit| positions(&s.log(&filter, limit).expect("log"));
    assert_eq!(log(LogFilter::default(), 100), [1, 2, 3, 4, 5, 6]);
    assert_eq!(log(LogFilter::default(), 2), [1, 2], "limited, oldest first");
    assert_eq!(log(LogFilter { stream_id: Some("b".into()), ..LogFilter::default() }, 100), [2, 5]);
    assert_eq!(log(LogFilter { event_type: Some("Happened".into()), ..LogFilter::default() }, 100), [1, 3, 4, 6]);
    assert_eq!(log(LogFilter { correlation_id: Some("c-1".into()), ..LogFilter::default() }, 100), [2, 4, 6]);
    assert_eq!(log(LogFilter { from: Some(3), to: Some(5), ..LogFilter::default() }, 100), [3, 4, 5]);
    let all = LogFilter {
        stream_id: Some("a".into()),
        correlation_id: Some("c-0".into()),
        from: Some(2),
        to: Some(6),
        ..LogFilter::default()
    };
    assert_eq!(log(all, 100), [3]);
    assert_eq!(log(LogFilter { from: Some(4), ..LogFilter::default() }, 1), [4]);
    assert_eq!(log(LogFilter { stream_id: Some("nope".into()), ..LogFilter::default() }, 100), Vec::<u64>::new());
}

pub fn streams_summarise_their_events(f: &Fixture) {
    let s = store(f);
    let info = |id: &str, ty: &str, version, first, last| StreamInfo {
        stream_id: id.to_owned(),
        stream_type: ty.to_owned(),
        version,
        first_position: first,
        last_position: last,
    };
    assert_eq!(s.stream("a").expect("stream"), Some(info("a", "Thing", 4, 1, 6)));
    let mut all = s.streams().expect("streams");
    all.sort_by(|x, y| x.stream_id.cmp(&y.stream_id));
    assert_eq!(all, [info("a", "Thing", 4, 1, 6), info("b", "Other", 2, 2, 5)]);
    assert_eq!(s.stream("nope").expect("stream"), None);
}

/// Events of a range summed up without their payloads: by type, by actor
/// (as the metadata reads: none here) and the streams touched with their type.
pub fn a_range_sums_up_by_type_actor_and_stream(f: &Fixture) {
    let s = store(f);
    let sum = |after, upto| {
        let mut sum = chronicle::es::store::Summing::default();
        s.sum_range(after, upto, &mut sum).expect("sum_range");
        sum.finish()
    };
    let all = sum(1, 6);
    let counts =
        |m: &std::collections::BTreeMap<String, u64>| m.iter().map(|(k, n)| (k.clone(), *n)).collect::<Vec<_>>();
    let types: Vec<(String, u64)> = counts(&all.by_type);
    assert_eq!(types.iter().map(|(_, n)| n).sum::<u64>(), 5);
    assert_eq!(all.by_type.get("Moved"), Some(&2));
    assert_eq!(counts(&all.by_actor), [(String::new(), 5)]);
    let streams: Vec<(&str, &str)> = all.streams.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(streams.len(), 2);
    assert_eq!(streams[1], ("b", "Other"));
    assert_eq!(sum(4, 5).streams.keys().collect::<Vec<_>>(), ["b"]);
    assert!(sum(6, 6).by_type.is_empty());
}
