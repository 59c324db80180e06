//! Drawing never panics at any terminal size, and a huge stored payload is
//! drawn in bounded time (the views format only what can be shown).

use std::time::Instant;

use crossterm::event::KeyCode;

use super::super::Session;
use super::super::app::Mode;
use super::super::runtime::render_text;
use super::{session, store};
use crate::es::{ExpectedVersion, PendingEvent, Store, StreamAppend};

/// Every size from 0×0 to 20×10, the degenerate strips, and the edges of
/// the smallest main screen.
fn sizes() -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = (0..=20).flat_map(|w| (0..=10).map(move |h| (w, h))).collect();
    out.extend([(1, 1), (2, 80), (80, 2), (79, 24), (80, 23), (80, 24), (81, 25), (300, 24), (80, 200)]);
    out
}

fn render_everywhere(name: &str, s: &Session) {
    for (w, h) in sizes() {
        let screen = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render_text(&s.app, w, h)));
        assert!(screen.is_ok(), "{name}: drawing at {w}×{h} panicked");
    }
}

#[test]
fn the_main_screen_draws_at_every_size() {
    let (_d, db) = store();
    let s = session(&db);
    assert!(render_text(&s.app, 160, 48).contains("Audit log"));
    render_everywhere("main", &s);
}

#[test]
fn the_help_overlay_draws_at_every_size() {
    let (_d, db) = store();
    let mut s = session(&db);
    s.press(KeyCode::Char('?')).unwrap();
    assert_eq!(s.app.mode, Mode::Help);
    render_everywhere("help", &s);
}

#[test]
fn the_empty_store_draws_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir.path().join("empty.db"));
    assert_eq!(s.app.head, 0);
    render_everywhere("empty", &s);
}

#[test]
fn the_open_prompts_draw_at_every_size() {
    let (_d, db) = store();
    for (key, mode) in [(':', Mode::Command), ('g', Mode::Goto), ('/', Mode::Filter)] {
        let mut s = session(&db);
        s.press(KeyCode::Char(key)).unwrap();
        s.type_str("deposit acc-1 12.50 a rather long note that does not fit").unwrap();
        assert_eq!(s.app.mode, mode);
        render_everywhere(&format!("prompt {key}"), &s);
    }
}

/// A payload of about 1 MB: a 512 KiB string (with control characters) and
/// an array of 100 000 numbers.
fn huge_payload() -> String {
    let mut blob = "x".repeat(512 * 1024);
    blob.push_str("\u{1b}[2J");
    let items: Vec<u32> = (0..100_000).collect();
    serde_json::json!({ "blob": blob, "items": items, "name": "big" }).to_string()
}

#[test]
fn a_one_megabyte_payload_draws_without_freezing() {
    let (_d, db) = store();
    let payload = huge_payload();
    let bytes = payload.len();
    assert!(bytes > 1_000_000, "{bytes}");
    {
        let mut st = Store::open(&db).unwrap();
        let batch = vec![StreamAppend {
            stream_id: "blob-1".into(),
            stream_type: "Blob".into(),
            expected: ExpectedVersion::NoStream,
            events: vec![PendingEvent {
                event_id: "big-1".into(),
                event_type: "BlobStored".into(),
                schema_version: 1,
                payload,
                metadata: r#"{"actor":"tester","source":"test"}"#.into(),
                recorded_at: Some("2026-01-01T01:00:00.000000Z".into()),
            }],
        }];
        st.write(|tx| tx.append(batch)).unwrap();
    }
    let started = Instant::now();
    let s = session(&db);
    let loaded = started.elapsed();
    assert_eq!(s.app.cursor, s.app.head, "the cursor is on the big event");
    for (w, h) in [(160, 48), (80, 24), (300, 100)] {
        let started = Instant::now();
        let frames = 10;
        let mut screen = String::new();
        for _ in 0..frames {
            screen = render_text(&s.app, w, h);
        }
        let per_frame = started.elapsed() / frames;
        eprintln!("1 MB payload ({bytes} bytes): loaded in {loaded:?}, {w}×{h} frame in {per_frame:?}");
        assert!(screen.contains(&format!("Event {} · BlobStored", s.app.head)), "{screen}");
        assert!(screen.contains("State · blob-1"), "{screen}");
        assert!(!screen.contains('\u{1b}'), "{screen}");
    }
}
