//! Writers racing on one store through their own connections: the write
//! lock makes a second writer wait and build on what the first committed;
//! the same batch from several writers at once is recorded once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, mpsc};
use std::time::Duration;

use chronicle::es::store::Appended;
use chronicle::es::{ExpectedVersion, StoreError};

use crate::fixture::{Fixture, append, appended, log, to};

pub fn a_writer_waits_for_the_write_lock_and_builds_on_what_was_committed(f: &Fixture) {
    let mut first = f.open();
    appended(&mut first, vec![to("a", ExpectedVersion::Any, &["1"])]);
    let mut second = f.open();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (started, waiting) = mpsc::channel();
        first
            .write(|tx| {
                tx.append(vec![to("a", ExpectedVersion::Exact(1), &["2"])])?;
                let (done, second) = (&done, &mut second);
                scope.spawn(move || {
                    started.send(()).expect("signal");
                    // Expects version 2: only right once the first write committed.
                    let out = append(second, vec![to("a", ExpectedVersion::Exact(2), &["3"])]);
                    done.store(true, Ordering::SeqCst);
                    assert_eq!(out.expect("the second writer waits, then appends").positions, [3]);
                });
                waiting.recv().expect("the second writer started");
                // However long the first write takes, the second cannot finish inside it.
                std::thread::sleep(Duration::from_millis(300));
                assert!(!done.load(Ordering::SeqCst), "a second writer went through while the first held the lock");
                Ok::<_, StoreError>(())
            })
            .expect("the first write");
    });
    assert!(done.load(Ordering::SeqCst));
    let events = log(&f.open());
    let ids: Vec<&str> = events.iter().map(|e| e.3.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"], "in commit order, gapless");
}

pub fn the_same_batch_from_racing_connections_is_recorded_once(f: &Fixture) {
    const RACERS: usize = 6;
    drop(f.open());
    let ready = Barrier::new(RACERS);
    let outs: Vec<Appended> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RACERS)
            .map(|_| {
                let ready = &ready;
                scope.spawn(move || {
                    let mut s = f.open();
                    let batch =
                        vec![to("a", ExpectedVersion::NoStream, &["x", "y"]), to("b", ExpectedVersion::Any, &["z"])];
                    ready.wait();
                    append(&mut s, batch).expect("the first records, the others are answered as duplicates")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("racer")).collect()
    });
    assert_eq!(outs.iter().filter(|o| !o.duplicate).count(), 1, "exactly one racer records");
    assert!(outs.iter().all(|o| o.positions == [1, 2, 3]), "every racer is told the same positions: {outs:?}");
    assert_eq!(log(&f.open()).len(), 3);
}
