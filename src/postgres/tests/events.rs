//! The log: exact text, append-only, typed conflicts, paging, follow.

use std::time::{Duration, Instant};

use super::{Ev, append, create, db};
use crate::es::StoreError;
use crate::es::backend::Engine;
use crate::es::store::{LogFilter, StreamInfo};

#[test]
fn appended_events_read_back_byte_identical_by_every_read() {
    let db = db!();
    let mut e = create(&db);
    let evs = [Ev::new(1, "a", 1), Ev::new(2, "b", 1), Ev::new(3, "a", 2)];
    append(&mut e, &evs);
    let r = e.reads();
    assert_eq!(r.head().unwrap(), 3);
    let mut seen = Vec::new();
    r.scan(1, 3, &mut |s| {
        seen.push(s);
        Ok(())
    })
    .unwrap();
    for (s, w) in seen.iter().zip(&evs) {
        assert_eq!((s.position, &s.event_id, &s.payload, &s.metadata), (w.position, &w.id, &w.payload, &w.metadata));
        assert_eq!((s.schema_version, s.hash, s.recorded_at.as_str()), (2, w.hash, "2026-11-29T18:00:00.000001Z"));
    }
    let mut chain = Vec::new();
    r.scan_chain(2, 3, &mut |c| {
        chain.push((c.input.payload.to_owned(), c.hash.to_vec()));
        Ok(())
    })
    .unwrap();
    assert_eq!(
        chain,
        vec![(evs[1].payload.clone(), evs[1].hash.to_vec()), (evs[2].payload.clone(), evs[2].hash.to_vec())]
    );
    let mut folded = Vec::new();
    r.scan_stream("a", 1, 3, &mut |f| {
        folded.push((f.position, f.payload.to_owned()));
        Ok(())
    })
    .unwrap();
    assert_eq!(folded, vec![(3, evs[2].payload.clone())]);
    assert_eq!(r.stream_events("a", 0, 2).unwrap(), vec![seen[0].clone()]);
    assert_eq!(r.hash_before(3).unwrap(), Some(evs[1].hash.to_vec()));
    assert_eq!(r.hash_before(1).unwrap(), None);
    assert_eq!(r.stored_version("a").unwrap(), 2);
    assert_eq!(r.event_position("ev-2").unwrap(), Some(2));
    assert_eq!(r.command_events(1, "cmd-3").unwrap(), vec![seen[2].clone()]);
    let filter = LogFilter { correlation_id: Some("c-a".into()), ..LogFilter::default() };
    assert_eq!(r.log(&filter, 10).unwrap().iter().map(|e| e.position).collect::<Vec<_>>(), vec![1, 3]);
    let filter = LogFilter { stream_id: Some("b".into()), from: Some(2), ..LogFilter::default() };
    assert_eq!(r.log(&filter, 10).unwrap(), vec![seen[1].clone()]);
    assert_eq!(r.position_at_time("2026-11-29T18:00:00.000001Z").unwrap(), 3);
    assert_eq!(r.position_at_time("2026-11-29T17:00:00Z").unwrap(), 0);
}

#[test]
fn the_database_refuses_update_delete_and_truncate_of_events() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1)]);
    let mut c = db.client();
    for sql in
        ["UPDATE chronicle.events SET payload = '{}'", "DELETE FROM chronicle.events", "TRUNCATE chronicle.events"]
    {
        let err = c.batch_execute(sql).unwrap_err();
        let msg = err.as_db_error().map(|d| d.message().to_owned()).unwrap_or_default();
        assert!(msg.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(e.reads().head().unwrap(), 1);
    let guards = e.guards().unwrap();
    assert_eq!(guards.present, ["events_no_delete", "events_no_truncate", "events_no_update"]);
    assert!(guards.altered.is_empty());
    c.batch_execute("ALTER TABLE chronicle.events DISABLE TRIGGER events_no_update").unwrap();
    assert_eq!(e.guards().unwrap().altered, ["events_no_update"]);
}

#[test]
fn a_taken_event_id_or_version_comes_back_typed_and_the_transaction_goes_on() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1)]);
    let mut tx = e.begin().unwrap();
    let mut reused = Ev::new(2, "c", 1);
    reused.id = "ev-1".into();
    // A command's few events go in one by one: the error comes at once.
    let err = tx.insert_event(&reused.row()).unwrap_err();
    assert!(matches!(&err, StoreError::EventIdTaken(id) if id == "ev-1"), "{err}");
    let err = tx.insert_event(&Ev::new(2, "a", 1).row()).unwrap_err();
    assert!(matches!(&err, StoreError::VersionTaken { stream_id, version: 1 } if stream_id == "a"), "{err}");
    assert_eq!(tx.head().unwrap(), 1);
    // Many events are buffered: the error comes at the next read, typed,
    // with the events before the taken one kept.
    let bulk: Vec<Ev> = (2..=40).map(|p| Ev::new(p, "b", p - 1)).collect();
    for ev in &bulk {
        tx.insert_event(&ev.row()).unwrap();
    }
    let mut reused = Ev::new(41, "c", 1);
    reused.id = "ev-1".into();
    tx.insert_event(&reused.row()).unwrap();
    tx.insert_event(&Ev::new(42, "c", 2).row()).unwrap();
    let err = tx.head().unwrap_err();
    assert!(matches!(&err, StoreError::EventIdTaken(id) if id == "ev-1"), "{err}");
    assert_eq!(tx.head().unwrap(), 40);
    let clash = Ev::new(41, "b", 39);
    tx.insert_event(&clash.row()).unwrap();
    let err = tx.event_position("ev-41").unwrap_err();
    assert!(matches!(&err, StoreError::VersionTaken { stream_id, version: 39 } if stream_id == "b"), "{err}");
    tx.insert_event(&Ev::new(41, "b", 40).row()).unwrap();
    tx.commit().unwrap();
    assert_eq!(e.reads().head().unwrap(), 41);
}

#[test]
fn scans_page_through_a_log_larger_than_a_page() {
    let db = db!();
    let mut e = create(&db);
    let n = 25_001;
    let evs: Vec<Ev> = (1..=n).map(|p| Ev::new(p, &format!("s{}", p % 7), p.div_ceil(7))).collect();
    append(&mut e, &evs);
    let (mut count, mut last) = (0, 0);
    e.reads()
        .scan_fold(1, n, &mut |f| {
            assert_eq!(f.position, last + 1);
            last = f.position;
            count += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!((count, last), (n, n));
    // The planner's settings for the walk are back to the server's after it.
    for setting in ["enable_sort", "enable_bitmapscan"] {
        let value: String = e.conn.query_opt(&format!("SHOW {setting}"), &[]).unwrap().unwrap().get(0);
        assert_eq!(value, "on", "{setting}");
    }
    let mut versions = 0;
    e.reads()
        .scan_stream("s3", 0, n, &mut |f| {
            versions += 1;
            assert_eq!(f.version, versions);
            Ok(())
        })
        .unwrap();
    assert_eq!(versions, evs.iter().filter(|e| e.stream == "s3").count() as u64);
}

#[test]
fn scans_jump_gaps_and_stop_at_the_end() {
    let db = db!();
    let mut e = create(&db);
    // The engine stores the positions it is given: a damaged log may have gaps.
    append(&mut e, &[Ev::new(1, "a", 1), Ev::new(2, "a", 2), Ev::new(30_000, "a", 25_000), Ev::new(70_000, "b", 1)]);
    let mut seen = Vec::new();
    e.reads()
        .scan(1, u64::MAX, &mut |ev| {
            seen.push(ev.position);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, [1, 2, 30_000, 70_000]);
    let mut versions = Vec::new();
    e.reads()
        .scan_stream("a", 1, u64::MAX, &mut |f| {
            versions.push(f.version);
            Ok(())
        })
        .unwrap();
    assert_eq!(versions, [2, 25_000]);
    assert_eq!(e.reads().stream_events("a", 0, 29_999).unwrap().len(), 2);
}

/// The chain's `COPY` read hands out exactly the fields the row read does,
/// whatever the page size, across gaps and from any position.
#[test]
fn the_chain_stream_reads_what_the_row_scan_reads() {
    let db = db!();
    let mut e = create(&db);
    let mut evs: Vec<Ev> = (1..=9).map(|p| Ev::new(p, if p % 2 == 0 { "a" } else { "b" }, p.div_ceil(2))).collect();
    evs.extend([Ev::new(12, "c", 1), Ev::new(13, "c", 2), Ev::new(40, "c", 3)]);
    evs[4].payload = format!("{}{}", evs[4].payload, "x".repeat(70_000)); // spans COPY messages
    append(&mut e, &evs);
    let mut rows = Vec::new();
    e.reads()
        .scan(1, u64::MAX, &mut |ev| {
            rows.push(ev);
            Ok(())
        })
        .unwrap();
    for (from, to) in [(1, 40), (1, u64::MAX), (3, 12), (10, 11), (14, 39), (41, 50)] {
        let want: Vec<_> = rows.iter().filter(|r| (from..=to).contains(&r.position)).collect();
        for page in [1, 2, 5, 100] {
            let mut got = Vec::new();
            e.conn
                .copy_pages(from, to, page, &mut |c| {
                    let i = c.input;
                    let fields = (i.position, i.event_id.to_owned(), i.stream_id.to_owned(), i.stream_type.to_owned());
                    let more = (i.version, i.event_type.to_owned(), i.schema_version, i.payload.to_owned());
                    got.push((fields, more, i.metadata.to_owned(), i.recorded_at.to_owned(), c.hash.to_vec()));
                    Ok(())
                })
                .unwrap();
            let expected: Vec<_> = want
                .iter()
                .map(|r| {
                    let fields = (r.position, r.event_id.clone(), r.stream_id.clone(), r.stream_type.clone());
                    let more = (r.version, r.event_type.clone(), r.schema_version, r.payload.clone());
                    (fields, more, r.metadata.clone(), r.recorded_at.clone(), r.hash.to_vec())
                })
                .collect();
            assert_eq!(got, expected, "positions {from}..={to} by pages of {page}");
        }
    }
    // The session is usable afterwards, with the planner's settings restored.
    let mut n = 0;
    e.reads()
        .scan_chain(1, 40, &mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 12);
    let sort: String = e.conn.query_opt("SHOW enable_sort", &[]).unwrap().unwrap().get(0);
    assert_eq!(sort, "on");
}

#[test]
fn a_commit_elsewhere_wakes_a_waiting_follower() {
    let db = db!();
    let follower = create(&db);
    follower.wait_for_append(0, Duration::from_millis(10)).unwrap(); // LISTEN now
    let url = db.url().to_owned();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let mut w = crate::postgres::open(&url, crate::es::backend::Access::Create).unwrap();
        append(&mut w, &[Ev::new(1, "a", 1)]);
    });
    let started = Instant::now();
    follower.wait_for_append(0, Duration::from_secs(120)).unwrap();
    // Woken by the NOTIFY, long before the two-minute timeout.
    assert!(started.elapsed() < Duration::from_secs(60));
    writer.join().unwrap();
    assert_eq!(follower.reads().head().unwrap(), 1);
    // Nothing new: the wait ends at its timeout.
    follower.wait_for_append(1, Duration::from_millis(50)).unwrap();
}

#[test]
fn a_follower_whose_session_is_killed_is_told_the_server_is_unreachable_and_reconnects() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1)]);
    let pid: i32 = e.conn.query_opt("SELECT pg_backend_pid()", &[]).unwrap().unwrap().get(0);
    db.client().execute("SELECT pg_terminate_backend($1)", &[&pid]).unwrap();
    let err = e.wait_for_append(1, Duration::from_secs(30)).unwrap_err();
    assert_eq!(err.backend_kind(), Some(crate::es::BackendKind::Unreachable), "{err}");
    let again = e.reconnect(crate::es::backend::Access::Read).unwrap();
    assert_eq!(again.reads().head().unwrap(), 1);
}

#[test]
fn a_read_transaction_sees_one_committed_state() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1)]);
    let mut other = create(&db);
    let mut heads = Vec::new();
    e.read_consistent(&mut |r| {
        heads.push(r.head()?);
        append(&mut other, &[Ev::new(2, "a", 2)]);
        heads.push(r.head()?);
        Ok(())
    })
    .unwrap();
    assert_eq!(heads, [1, 1]);
    assert_eq!(e.reads().head().unwrap(), 2);
}

#[test]
fn a_writer_killed_mid_transaction_gets_one_line_and_nothing_is_half_written() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1)]);
    let pid: i32 = e.conn.query_opt("SELECT pg_backend_pid()", &[]).unwrap().unwrap().get(0);
    let mut tx = e.begin().unwrap();
    tx.insert_event(&Ev::new(2, "a", 2).row()).unwrap();
    assert_eq!(tx.head().unwrap(), 2);
    db.client().execute("SELECT pg_terminate_backend($1)", &[&pid]).unwrap();
    let err = tx.commit().unwrap_err();
    assert_eq!(err.backend_kind(), Some(crate::es::BackendKind::Terminated), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("nothing was committed") && !msg.contains('\n'), "{msg}");
    assert_eq!(create(&db).reads().head().unwrap(), 1);
}

#[test]
fn streams_of_answers_for_many_streams_at_once_in_the_order_asked() {
    let db = db!();
    let mut e = create(&db);
    append(&mut e, &[Ev::new(1, "a", 1), Ev::new(2, "b", 1), Ev::new(3, "a", 2)]);
    let a = StreamInfo {
        stream_id: "a".into(),
        stream_type: "Thing".into(),
        version: 2,
        first_position: 1,
        last_position: 3,
    };
    let mut tx = e.begin().unwrap();
    tx.upsert_stream(&a).unwrap();
    // Inside the transaction, and after it: the index's row and the events' own version.
    assert_eq!(tx.streams_of(&["b", "zz", "a"]).unwrap(), vec![(None, 1), (None, 0), (Some(a.clone()), 2)]);
    tx.commit().unwrap();
    let r = e.reads();
    assert_eq!(r.streams_of(&["a", "b"]).unwrap(), vec![(Some(a), 2), (None, 1)]);
    assert_eq!(r.streams_of(&[]).unwrap(), vec![]);
}
