//! A watch or find (`w`, `F`, then `n` / `N`) on its own thread with its own
//! read-only handle on the store, so the UI answers keys while it runs; Esc
//! sets its cancel flag, which the search's callbacks and `tick` check.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;

use serde_json::Value;

use super::super::TuiError;
use super::super::action::DebugQuery;
use crate::app::debug::blame::{Change, blame_row, blame_stream};
use crate::app::debug::expr::{Expr, ExprError};
use crate::app::debug::find::{Which, find_projection, find_stream};
use crate::app::debug::path::Path;
use crate::app::{AppError, Chronicle, Mode};

/// The answer: the position and what the status line says, or why not.
pub type Answer = Result<(u64, String), String>;

/// A search running on its thread.
#[derive(Debug)]
pub struct Job {
    cancel: Arc<AtomicBool>,
    answer: Receiver<Answer>,
    _thread: JoinHandle<()>,
}

/// The error a search stops with once it has its answer, or is cancelled.
const STOP: &str = "\u{0}stop";

impl Job {
    /// Starts searching `stream` for `query` from `from` (exclusive).
    ///
    /// # Errors
    /// The store cannot be opened again, or the thread not started.
    pub fn spawn(
        chron: &Chronicle,
        stream: String,
        query: DebugQuery,
        from: u64,
        forward: bool,
    ) -> Result<Self, TuiError> {
        let chron = chron.reconnect(Mode::Read)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let (tx, answer) = mpsc::channel();
        let thread = std::thread::Builder::new().name("chronicle-debug".into()).spawn(move || {
            let a = run(&chron, &stream, &query, from, forward, &flag);
            if !flag.load(Ordering::Relaxed) {
                // The UI may have gone: nobody to tell.
                let _ = tx.send(a);
            }
        })?;
        Ok(Self { cancel, answer, _thread: thread })
    }

    /// Asks the search to stop (its answer is dropped).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The answer, once there is one.
    #[must_use]
    pub fn answer(&self) -> Option<Answer> {
        match self.answer.try_recv() {
            Ok(a) => Some(a),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err("the search stopped".into())),
        }
    }

    /// Waits for the answer (headless sessions and tests).
    pub fn wait(&self) -> Answer {
        self.answer.recv().unwrap_or_else(|_| Err("the search stopped".into()))
    }
}

fn shown(v: Option<&Value>) -> String {
    let s = v.map_or_else(|| "(absent)".to_owned(), Value::to_string);
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// The caret message on one line (the status line has one): the expression
/// with `^` marking the bad token.
fn caret(e: &ExprError, source: &str) -> String {
    let shown = source.replace(['\n', '\r', '\t'], " ");
    let split = shown.char_indices().nth(e.column).map_or(shown.len(), |(i, _)| i);
    format!("bad expression: {} (column {}): {}^{}", e.message, e.column + 1, &shown[..split], &shown[split..])
}

fn stop() -> AppError {
    AppError::Usage(STOP.into())
}

fn run(c: &Chronicle, stream: &str, query: &DebugQuery, from: u64, forward: bool, cancel: &AtomicBool) -> Answer {
    let mut found: Option<(u64, String)> = None;
    let r = match query {
        DebugQuery::Watch(path) | DebugQuery::WatchRow { path, .. } => {
            let p = Path::parse(path).map_err(|e| format!("watch `{path}`: {e}"))?;
            let mut step = |ch: &Change| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(stop());
                }
                let said = format!(
                    "{path}: {} → {} at {} ({})",
                    shown(ch.before.as_ref()),
                    shown(ch.after.as_ref()),
                    ch.position,
                    ch.event_type
                );
                if forward && ch.position > from {
                    found = Some((ch.position, said));
                    return Err(stop());
                }
                if !forward && ch.position < from {
                    found = Some((ch.position, said));
                }
                Ok(())
            };
            match query {
                DebugQuery::WatchRow { key, .. } => blame_row(c, stream, key, Some(&p), &mut step),
                _ => blame_stream(c, stream, Some(&p), &mut step),
            }
        }
        DebugQuery::Find(source) | DebugQuery::FindRows(source) => {
            let expr = Expr::parse(source).map_err(|e| caret(&e, source))?;
            let start = if forward { from + 1 } else { 0 };
            let which = if forward { Which::First } else { Which::All };
            let mut tick = |_: u64, _: u64| if cancel.load(Ordering::Relaxed) { Err(stop()) } else { Ok(()) };
            let search = if matches!(query, DebugQuery::Find(_)) { find_stream } else { find_projection };
            search(
                c,
                stream,
                &expr,
                start,
                which,
                &mut |h| {
                    if cancel.load(Ordering::Relaxed) || (!forward && h.position >= from) {
                        return Err(stop());
                    }
                    let rows = if matches!(query, DebugQuery::FindRows(_)) {
                        format!(", {stream} rows matching: {}", h.matches)
                    } else {
                        String::new()
                    };
                    found = Some((h.position, format!("`{source}` holds at {} ({}{rows})", h.position, h.event_type)));
                    if forward { Err(stop()) } else { Ok(()) }
                },
                &mut tick,
            )
        }
    };
    match r {
        Err(e) if e.to_string() != STOP => Err(e.to_string()),
        _ => found.ok_or_else(|| {
            let what = match query {
                DebugQuery::Watch(p) => format!("`{p}` of {stream}: no change"),
                DebugQuery::WatchRow { key, path } => format!("`{path}` of {stream} {}: no change", key.join("/")),
                DebugQuery::Find(x) | DebugQuery::FindRows(x) => format!("`{x}` in {stream}: no match"),
            };
            if forward {
                format!("{what} after {from} (N searches back)")
            } else {
                format!("{what} before {from} (n searches on)")
            }
        }),
    }
}
