use rand::{Rng, SeedableRng};

use super::frame::{Decoder, Encoder};
use crate::app::demo::DemoOptions;
use crate::app::{Chronicle, Config, Mode, Timeline, World};

/// Everything a frame must carry of `w`, comparable.
fn shape(c: &Chronicle, w: &World) -> String {
    let streams: Vec<_> =
        w.streams.iter().map(|(id, s)| (id.to_string(), s.stream_type.clone(), s.version, s.position)).collect();
    let tables: Vec<Vec<_>> = c
        .registry()
        .projections()
        .iter()
        .flat_map(|p| p.tables())
        .map(|t| w.tables.rows(t.name).map(crate::es::Row::to_json).collect())
        .collect();
    format!("{} {streams:?} {tables:?} {:?} {:?} {:?}", w.position, w.problems, w.touched, w.before_last)
}

#[test]
fn frames_give_back_the_worlds_and_a_restored_timeline_seeks_as_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Chronicle::open(&dir.path().join("t.db"), Mode::Write, crate::domain::Registry::builtin()).unwrap();
    c.demo(DemoOptions { events: 1_200, ..DemoOptions::default() }, &mut |_, _| {}).unwrap();
    let head = c.store().head().unwrap();
    let config = Config { keyframe_every: 64, ..Config::default() };
    let mut built = Timeline::new(config);
    while !built.prefetch(c.store(), c.registry(), 300).unwrap() {}

    let mut enc = Encoder::default();
    let frames: Vec<Vec<u8>> = built.worlds_after(0).map(|w| enc.encode(w).unwrap()).collect();
    let mut dec = Decoder::default();
    let worlds: Vec<World> = frames.iter().map(|f| dec.decode(c.registry(), f).unwrap()).collect();
    let originals: Vec<&World> = built.worlds_after(0).collect();
    assert_eq!(worlds.len(), originals.len());
    assert_eq!(worlds.last().map(|w| w.position), Some(head), "the head world is kept too");
    for (got, want) in worlds.iter().zip(originals) {
        assert_eq!(shape(&c, got), shape(&c, want), "world at {}", want.position);
    }
    // More frames continue the same numbering after a decode.
    let mut more = Encoder::after(&dec);
    assert_eq!(more.position(), head);
    assert!(more.encode(&c.world_at(head).unwrap()).is_ok());

    let mut restored = Timeline::new(config);
    restored.restore(worlds);
    assert_eq!(restored.built(), head);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
    for p in (0..30).map(|_| rng.random_range(0..=head)).chain([head, 1]) {
        let before = restored.folded();
        let got = restored.seek(c.store(), c.registry(), p).unwrap().clone();
        assert!(restored.folded() - before < 64, "a seek folds less than a keyframe interval");
        let mut want = c.world_at(p).unwrap();
        want.lazy = true;
        assert_eq!(shape(&c, &got).split(' ').next(), shape(&c, &want).split(' ').next());
        let strip = |w: &World| {
            let streams: Vec<_> = w.streams.iter().map(|(id, s)| (id.to_string(), s.version)).collect();
            format!("{streams:?}")
        };
        assert_eq!(strip(&got), strip(&want), "streams at {p}");
    }
}

#[test]
fn a_frame_that_does_not_parse_or_names_an_unknown_stream_is_an_error() {
    let registry = crate::domain::Registry::builtin();
    let mut dec = Decoder::default();
    assert!(dec.decode(&registry, b"not json").unwrap_err().contains("does not parse"));
    assert!(dec.decode(&registry, br#"{"p":3,"new":[],"moved":[[7,1,3]]}"#).unwrap_err().contains("#7"));
}

#[test]
fn a_header_written_before_the_counts_is_of_another_format_and_frames_carry_their_counts() {
    // A file written by an older build: its header names no format, so it is
    // started afresh (`validate`) and never read for diffs (`read`).
    let old: super::Header =
        serde_json::from_str(r#"{"log":"l","layout":"x","first":"a","head":9,"last":"b","problems":0}"#).unwrap();
    assert_ne!(old.format, super::FORMAT);
    let counts = super::counts::Counts {
        by_type: [("Deposited".to_owned(), 3)].into(),
        by_actor: [("ada".to_owned(), 3)].into(),
    };
    let mut enc = Encoder::default();
    let bytes = enc.encode_counted(&World::lazy(), Some(counts.clone())).unwrap();
    assert_eq!(super::frame::counts_only(&bytes).unwrap(), Some(counts.clone()));
    let mut dec = Decoder::default();
    dec.decode(&crate::domain::Registry::builtin(), &bytes).unwrap();
    assert_eq!(Encoder::after(&dec).counts(), Some(&counts), "counts carry on after a restore");
    let later = super::counts::Counts {
        by_type: [("Deposited".to_owned(), 5), ("Opened".to_owned(), 1)].into(),
        by_actor: [("ada".to_owned(), 6)].into(),
    };
    let (by_type, by_actor) = later.since(&counts).unwrap();
    assert_eq!(by_type, [("Deposited".to_owned(), 2), ("Opened".to_owned(), 1)].into());
    assert_eq!(by_actor, [("ada".to_owned(), 3)].into());
    assert_eq!(counts.since(&later), None, "a later position's counts are never subtracted from");
}
