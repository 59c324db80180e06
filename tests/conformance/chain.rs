//! The hash chain: each event's hash links it to the one before, whoever
//! wrote it, and `verify --chain` agrees.

use chronicle::es::hash::{self, HashInput};
use chronicle::es::{ExpectedVersion, Store};

use crate::fixture::{Fixture, appended, to};

/// Recomputes every link from genesis; returns the head's hash.
fn recompute(s: &Store) -> [u8; 32] {
    let head = s.head().expect("head");
    let mut prev = hash::GENESIS;
    for e in s.read_range(1, head).expect("read_range") {
        assert_eq!(e.hash, hash::link(&prev, HashInput::from(&e)), "link at position {}", e.position);
        let before = s.hash_before(e.position).expect("hash_before");
        let want = if e.position == 1 { None } else { Some(prev.to_vec()) };
        // Genesis may be told as no hash or as the zero hash.
        if !(e.position == 1 && before.as_deref() == Some(&hash::GENESIS[..])) {
            assert_eq!(before, want, "hash_before({})", e.position);
        }
        prev = e.hash;
    }
    prev
}

pub fn every_link_recomputes_from_the_one_before(f: &Fixture) {
    let mut s = f.open();
    appended(&mut s, vec![to("a", ExpectedVersion::Any, &["1", "2"]), to("b", ExpectedVersion::Any, &["3"])]);
    let mut odd = to("a", ExpectedVersion::Any, &["4"]);
    odd.events[0].payload = "{ \"spaced\" : \"caf\u{e9}\" }".into();
    odd.events[0].recorded_at = Some("2026-01-01T00:00:00.000001Z".into());
    appended(&mut s, vec![odd]);
    let head_hash = recompute(&s);
    let stored = s.write(|tx| tx.append(vec![to("c", ExpectedVersion::Any, &["5"])])).expect("append");
    let e = &stored.events[0];
    assert_eq!(e.hash, hash::link(&head_hash, HashInput::from(e)), "the appended event as returned links to the head");
    assert_eq!(s.event(5).expect("event").expect("stored").hash, e.hash, "and is stored with that hash");
    // The borrowing scan `verify` uses hands out the same fields.
    let (mut seen, mut prev) = (0, hash::GENESIS);
    s.scan_chain(1, 5, |row| {
        seen += 1;
        assert_eq!(row.input.position, seen, "scan_chain in position order");
        let link = hash::link(&prev, row.input);
        assert_eq!(row.hash, &link[..], "scan_chain's fields rebuild the link at {seen}");
        prev = link;
        Ok::<_, chronicle::es::StoreError>(())
    })
    .expect("scan_chain");
    assert_eq!((seen, prev), (5, e.hash));
}

pub fn the_chain_continues_across_connections(f: &Fixture) {
    let mut one = f.open();
    let mut two = f.open();
    for i in 0..6 {
        let s = if i % 2 == 0 { &mut one } else { &mut two };
        appended(s, vec![to(&format!("s{}", i % 3), ExpectedVersion::Any, &[&format!("e{i}")])]);
    }
    recompute(&f.open());
}

pub fn verify_chain_passes_on_the_cli(f: &Fixture) {
    let mut s = f.open();
    for i in 0..5 {
        appended(&mut s, vec![to("a", ExpectedVersion::Any, &[&format!("e{i}")])]);
    }
    drop(s);
    for args in [&["verify", "--chain"][..], &["verify"]] {
        let out = f.ok(args);
        assert!(out.starts_with("ok: "), "{args:?}: {out}");
    }
    // Commands through the binary extend the same chain.
    f.ok(&["exec", "open acc-1 alice"]);
    f.ok(&["exec", "deposit acc-1 5 salary"]);
    assert!(f.ok(&["verify", "--chain"]).starts_with("ok: "));
    recompute(&f.open());
}
