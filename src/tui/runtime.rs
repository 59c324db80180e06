//! The one place that touches the terminal (and, through [`Session`], the
//! store): set up, draw, read events, poll the head, restore.
//!
//! The terminal is restored (raw mode off, alternate screen left, mouse
//! capture and bracketed paste off) on every way out: quitting, an error, a
//! panic (the hook installed in [`run`]), and `SIGTERM` / `SIGHUP` /
//! `SIGINT` / `SIGQUIT`, which are caught and end the loop so the normal
//! restore path runs; the process then exits with 128 + signal. Ctrl-Z (or
//! `SIGTSTP`) restores the terminal and stops the process; `SIGCONT` (`fg`)
//! sets it up again and redraws.

mod branch;
mod debugger;
mod follow;
mod search;
mod session;
mod streams;
mod tree;
mod worker;

use std::io::stdout;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::terminal::EnterAlternateScreen;
use ratatui::DefaultTerminal;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub use session::Session;

use super::app::App;
use super::{TuiError, update};
use crate::domain::Registry;

/// How often the store's head is polled for appends by other processes.
const HEAD_POLL: Duration = Duration::from_millis(250);
/// How long to wait for input while the worker folds.
const BUSY_POLL: Duration = Duration::from_millis(30);
/// Signals that end the UI through the normal restore path (`SIGINT` and
/// `SIGQUIT` only come from `kill`: in raw mode Ctrl-C and Ctrl-\ are keys).
const STOP_SIGNALS: [i32; 4] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
];
/// Test hook: when this variable is `1`, the first key pressed panics inside
/// the event loop, so tests can check that a panic restores the terminal.
/// Harmless otherwise: it only turns a key press into the same exit a bug
/// would cause, for the user who set it.
pub const TEST_PANIC_ENV: &str = "CHRONICLE_TEST_PANIC";

/// How often a thread checks that the terminal is still there.
const TTY_CHECK: Duration = Duration::from_secs(1);

/// How long the loop has, after a stop signal, to restore the terminal
/// before the signal thread restores it itself and ends the process.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// `SIGTERM` / `SIGHUP` / `SIGINT` / `SIGQUIT` caught while the UI runs: the
/// handler sets a flag, the loop sees it within one poll and leaves through
/// the normal restore path. A thread watches too: after a hang-up whose
/// terminal is gone (crossterm's read then spins on the dead tty and never
/// returns), it exits at once with 128 + signal; otherwise, if the loop has
/// not restored the terminal [`STOP_GRACE`] after the signal (it is stuck),
/// the thread restores the terminal as far as it still can and exits with
/// 128 + signal. A second signal while the first is pending ends the process
/// at once, with 128 + signal and without restoring: the escape hatch of
/// last resort. `SIGTSTP` and `SIGCONT` only set flags the loop acts on.
struct StopSignals {
    stop: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
    restored: mpsc::Sender<()>,
    tstp: Arc<AtomicBool>,
    cont: Arc<AtomicBool>,
}

impl StopSignals {
    fn register() -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let which = Arc::new(AtomicUsize::new(0));
        for sig in STOP_SIGNALS {
            // Registered first, so it sees the flag as it was before this signal.
            signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&stop))?;
            signal_hook::flag::register_usize(sig, Arc::clone(&which), usize::try_from(sig).unwrap_or(0))?;
            signal_hook::flag::register(sig, Arc::clone(&stop))?;
        }
        let mut signals = signal_hook::iterator::Signals::new(STOP_SIGNALS)?;
        let (restored, done) = mpsc::channel::<()>();
        std::thread::Builder::new().name("chronicle-signals".into()).spawn(move || {
            let Some(sig) = signals.forever().next() else { return };
            // The terminal hung up: nothing is left to restore, and the loop
            // may be spinning inside crossterm's read of the dead tty.
            if sig == signal_hook::consts::SIGHUP && !terminal_alive() {
                std::process::exit(128 + sig);
            }
            // Stuck, or the UI is over already: end here.
            if done.recv_timeout(STOP_GRACE).is_err() {
                restore();
                std::process::exit(128 + sig);
            }
        })?;
        let tstp = Arc::new(AtomicBool::new(false));
        let cont = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGTSTP, Arc::clone(&tstp))?;
        signal_hook::flag::register(signal_hook::consts::SIGCONT, Arc::clone(&cont))?;
        // A terminal can go away without a hang-up reaching us (the signal
        // ignored, a read error): crossterm would then spin on the dead tty.
        std::thread::Builder::new().name("chronicle-tty".into()).spawn(|| {
            loop {
                std::thread::sleep(TTY_CHECK);
                if !terminal_alive() {
                    std::process::exit(128 + signal_hook::consts::SIGHUP);
                }
            }
        })?;
        Ok(Self { stop, which, restored, tstp, cont })
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The signal caught, if any; tells the watching thread the terminal is
    /// restored (call after restoring).
    fn caught(&self) -> Option<usize> {
        let sig = self.stopped().then(|| self.which.load(Ordering::SeqCst))?;
        let _ = self.restored.send(());
        Some(sig)
    }
}

/// Runs the UI on the terminal until the user quits, or until `SIGTERM`,
/// `SIGHUP`, `SIGINT` or `SIGQUIT` arrives: then it restores the terminal and
/// ends the process with 128 + signal (see [`StopSignals`]). The handlers
/// stay installed after it returns: a later such signal ends the process
/// with 128 + signal.
///
/// # Errors
/// The store cannot be opened, or the terminal fails.
pub fn run(db: &Path, registry: Arc<Registry>) -> Result<(), TuiError> {
    // A store that exists is checked first (its problem is the one to
    // name); an absent one is not created for a UI that cannot run.
    if !db.exists() {
        need_terminal()?;
    }
    let started = Instant::now();
    // A foreign log's checks scan the whole table: the worker runs them
    // once the first frame is up, and shows what they find.
    crate::engines::defer_checks();
    let mut session = Session::open(db, registry)?;
    need_terminal()?;
    session.spawn_worker()?;
    tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, "store opened");
    session.app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let signals = StopSignals::register()?;
    let mut terminal = ratatui::try_init()?;
    // ratatui's own hook (installed by `try_init`) leaves raw mode and the
    // alternate screen; this one runs first and turns mouse capture and
    // bracketed paste off.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
        hook(info);
    }));
    let result = modes(session.app.mouse)
        .map_err(TuiError::from)
        .and_then(|()| event_loop(&mut terminal, &mut session, &signals));
    restore();
    if let Some(sig) = signals.caught() {
        // After a hang-up the terminal may be gone: its errors do not matter.
        tracing::info!(signal = sig, "stopped by signal; terminal restored");
        drop(session);
        std::process::exit(128 + i32::try_from(sig).unwrap_or(0));
    }
    result
}

/// Turns on what the UI needs beyond raw mode and the alternate screen:
/// bracketed paste (a paste arrives as one text, not as keys), and mouse
/// capture when `mouse`.
fn modes(mouse: bool) -> std::io::Result<()> {
    crossterm::execute!(stdout(), EnableBracketedPaste)?;
    if mouse {
        crossterm::execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Sets the terminal up again after the process was stopped (`fg`, or any
/// `SIGCONT`): raw mode, alternate screen, modes; the next frame is drawn whole.
fn resume(terminal: &mut DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(stdout(), EnterAlternateScreen)?;
    modes(mouse)?;
    terminal.clear()
}

/// Ctrl-Z or `SIGTSTP`: restores the terminal, stops the process (as the
/// default action would), and once continued sets the terminal up again.
fn suspend(terminal: &mut DefaultTerminal, mouse: bool, signals: &StopSignals) -> std::io::Result<()> {
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
    // Continued.
    signals.cont.store(false, Ordering::SeqCst);
    resume(terminal, mouse)
}

/// A usage error when there is no terminal to run on.
fn need_terminal() -> Result<(), TuiError> {
    match no_terminal() {
        None => Ok(()),
        Some(why) => Err(TuiError::App(crate::app::AppError::Usage(format!(
            "the time machine needs a terminal ({why}); without one use the headless commands: \
             chronicle exec, log, state, verify, export, import, rebuild, demo --no-tui (see chronicle --help)"
        )))),
    }
}

/// Why the UI cannot run here, if it cannot: standard input or output is
/// not a terminal, or the process has no controlling terminal.
#[must_use]
pub fn no_terminal() -> Option<&'static str> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        Some("standard input is not a terminal")
    } else if !stdout().is_terminal() {
        Some("standard output is not a terminal")
    } else if !terminal_alive() {
        Some("this process has no controlling terminal")
    } else {
        None
    }
}

/// Whether this process still has a terminal (after a hang-up it has none).
fn terminal_alive() -> bool {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").is_ok()
}

/// Leaves the terminal as it was found: mouse capture and bracketed paste
/// off, alternate screen left, raw mode off. Failures are ignored (the
/// terminal may be gone).
pub fn restore() {
    let _ = crossterm::execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

fn event_loop(terminal: &mut DefaultTerminal, session: &mut Session, signals: &StopSignals) -> Result<(), TuiError> {
    let size = terminal.size()?;
    session.dispatch(super::Action::Resize(size.width, size.height))?;
    let started = Instant::now();
    session.start()?;
    tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, "head loaded");
    let mut first = Some(Instant::now());
    let test_panic = std::env::var_os(TEST_PANIC_ENV).is_some_and(|v| v == "1");
    let mut last_poll = Instant::now();
    let mut last_step = Instant::now();
    // Frames are drawn only when something changed: a key, a folded world,
    // new events, a playback step.
    let mut dirty = true;
    while !session.app.quit && !signals.stopped() {
        if signals.tstp.swap(false, Ordering::SeqCst) || std::mem::take(&mut session.pending_suspend) {
            suspend(terminal, session.app.mouse, signals)?;
            dirty = true;
        } else if signals.cont.swap(false, Ordering::SeqCst) {
            // Stopped by something else (`SIGSTOP`): the shell may have
            // reset the terminal meanwhile.
            resume(terminal, session.app.mouse)?;
            dirty = true;
        }
        if std::mem::take(&mut dirty) {
            terminal.draw(|f| f.render_widget(&session.app, f.area()))?;
        }
        if let Some(t) = first.take() {
            tracing::debug!(ms = t.elapsed().as_secs_f64() * 1e3, "first frame drawn");
        }
        let play_due = session.app.playing.then(|| {
            let wait = Duration::from_millis(update::play_delay_ms(&session.app));
            (last_step + wait).saturating_duration_since(Instant::now())
        });
        let mut timeout = HEAD_POLL.saturating_sub(last_poll.elapsed());
        if let Some(p) = play_due {
            timeout = timeout.min(p);
        }
        if session.app.folding() || session.app.debug.busy || session.app.diffing.is_some() || session.reading_tree() {
            timeout = timeout.min(BUSY_POLL);
        }
        if event::poll(timeout)? {
            dirty = true;
            // Drain every pending event before drawing: fast scrubbing coalesces.
            session.batching = true;
            loop {
                let ev = event::read()?;
                assert!(!(test_panic && matches!(ev, Event::Key(_))), "{TEST_PANIC_ENV}=1: panicking on a key press");
                session.handle_event(&ev)?;
                if session.app.quit || signals.stopped() || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
            session.batching = false;
            session.flush()?;
            if session.pending_suspend {
                continue;
            }
            if let Some(on) = session.pending_mouse.take() {
                if on {
                    crossterm::execute!(stdout(), EnableMouseCapture)?;
                } else {
                    crossterm::execute!(stdout(), DisableMouseCapture)?;
                }
            }
        }
        dirty |= session.poll_worker()?;
        if last_poll.elapsed() >= HEAD_POLL {
            last_poll = Instant::now();
            dirty |= session.poll_head()?;
        }
        if session.app.playing && last_step.elapsed() >= Duration::from_millis(update::play_delay_ms(&session.app)) {
            last_step = Instant::now();
            dirty = true;
            session.dispatch(super::Action::PlayStep)?;
        } else if !session.app.playing {
            last_step = Instant::now();
        }
    }
    Ok(())
}

/// Draws `app` on an off-screen terminal of `width` × `height` and returns
/// the text of the screen, one line per row (for tests and captures).
#[must_use]
pub fn render_text(app: &App, width: u16, height: u16) -> String {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let drawn = terminal.draw(|f| f.render_widget(app, f.area()));
    if let Err(e) = drawn {
        match e {}
    }
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
