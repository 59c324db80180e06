//! Opening and transactions: a read-only open serves every read and writes
//! nothing; a large write is one transaction whose reads see every event it
//! buffered; connections opening a new store at once all get it.

use chronicle::es::store::{LogFilter, StreamReader};
use chronicle::es::{ExpectedVersion, StreamAppend};

use crate::fixture::{Abort, Fixture, appended, event, log, open_read, to, try_open, version};

pub fn a_read_only_open_reads_and_refuses_writes(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1", "2"])]);
    drop(s);
    let mut reader = open_read(&f.db);
    assert_eq!(log(&reader).len(), 2, "reads serve the log");
    assert_eq!(version(&reader, "a"), 2);
    assert_eq!(reader.log(&LogFilter::default(), 10).expect("log").len(), 2);
    let out = reader.write(|tx| {
        tx.append(vec![to("a", ExpectedVersion::Exact(2), &["3"])])?;
        tx.set_checkpoint("conformance", 3)?;
        Ok::<_, Abort>(())
    });
    let Err(Abort::Store(e)) = out else { panic!("a write through a read-only open must fail: {out:?}") };
    assert!(e.to_string().to_lowercase().contains("read"), "the error says the store is read-only: {e}");
    let s = f.open();
    assert_eq!((s.head().expect("head"), version(&s, "a")), (2, 2), "nothing recorded");
    assert_eq!(s.checkpoint("conformance").expect("checkpoint"), 0);
    // The read-only connection still reads, and sees later writes.
    let mut writer = f.open();
    appended(&mut writer, vec![to("a", ExpectedVersion::Exact(2), &["3"])]);
    assert_eq!(reader.head().expect("head"), 3);
}

pub fn a_large_write_is_one_transaction_that_reads_its_own_events(f: &Fixture) {
    const STREAMS: usize = 50;
    const EACH: usize = 100;
    let mut s = f.open();
    appended(&mut s, vec![to("s0", ExpectedVersion::Any, &["first"])]);
    let other = f.open();
    let batch: Vec<StreamAppend> = (0..STREAMS)
        .map(|i| StreamAppend {
            stream_id: format!("s{i}"),
            stream_type: "Thing".into(),
            expected: ExpectedVersion::Any,
            events: (0..EACH).map(|j| event(&format!("e{i}-{j}"))).collect(),
        })
        .collect();
    let total = (STREAMS * EACH) as u64;
    s.write(|tx| {
        let out = tx.append(batch)?;
        assert_eq!(out.positions.first().copied(), Some(2));
        assert_eq!(out.positions.last().copied(), Some(total + 1));
        // Events one at a time, after the batch, in the same transaction.
        for j in 0..10 {
            let link = tx.append_one("late", "Thing", ExpectedVersion::Exact(j), &event(&format!("late-{j}")))?;
            assert_eq!(link.position, total + 2 + j);
        }
        // Every read inside the transaction sees what it appended.
        assert_eq!(tx.head(), total + 11);
        assert_eq!(tx.read_range(1, total + 11)?.len() as u64, total + 11);
        assert_eq!(tx.read_stream("s0", 0, u64::MAX >> 1)?.len(), EACH + 1);
        assert_eq!(tx.event_position("e49-99")?, Some(total + 1));
        assert_eq!(tx.event_position("late-9")?, Some(total + 11));
        assert_eq!(tx.stream("late")?.map(|i| i.version), Some(10));
        assert_eq!(other.head()?, 1, "nothing visible outside before commit");
        Ok::<_, Abort>(())
    })
    .expect("one large write");
    let events = log(&other);
    assert_eq!(events.len() as u64, total + 11, "all committed at once");
    assert!(events.iter().enumerate().all(|(i, e)| e.0 == i as u64 + 1), "gapless");
    assert_eq!(
        (version(&other, "s0"), version(&other, "s49"), version(&other, "late")),
        (EACH as u64 + 1, EACH as u64, 10)
    );
    assert!(f.ok(&["verify", "--chain"]).starts_with("ok: "));
}

pub fn connections_opening_a_new_store_at_once_all_succeed(f: &Fixture) {
    const OPENERS: usize = 8;
    let ready = std::sync::Barrier::new(OPENERS);
    let opened: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..OPENERS)
            .map(|i| {
                let ready = &ready;
                scope.spawn(move || {
                    ready.wait();
                    // Not `f.open()`: the failure is the finding, not a panic.
                    let mut s = try_open(&f.db).map_err(|e| e.to_string())?;
                    let id = format!("opener-{i}");
                    s.write(|tx| tx.append(vec![to("a", ExpectedVersion::Any, &[&id])])).map_err(|e| e.to_string())?;
                    s.head().map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("opener thread")).collect()
    });
    let failed: Vec<&String> = opened.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{} of {OPENERS} first opens failed: {failed:?}", failed.len());
    assert_eq!(log(&f.open()).len(), OPENERS, "every opener appended once");
}
