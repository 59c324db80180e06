//! The one place that touches the terminal (and, through [`Session`], the
//! store): set up, draw, read events, poll the head, restore.

mod session;
mod worker;

use std::io::stdout;
use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::DefaultTerminal;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub use session::Session;

use super::app::App;
use super::{TuiError, update};

/// How often the store's head is polled for appends by other processes.
const HEAD_POLL: Duration = Duration::from_millis(250);
/// How long to wait for input while the worker folds.
const BUSY_POLL: Duration = Duration::from_millis(30);

/// Runs the UI on the terminal until the user quits.
///
/// # Errors
/// The store cannot be opened, or the terminal fails.
pub fn run(db: &Path) -> Result<(), TuiError> {
    let mut session = Session::open(db)?;
    session.spawn_worker()?;
    session.app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut terminal = ratatui::try_init()?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(stdout(), DisableMouseCapture);
        hook(info);
    }));
    let result = crossterm::execute!(stdout(), EnableMouseCapture)
        .map_err(TuiError::from)
        .and_then(|()| event_loop(&mut terminal, &mut session));
    let _ = crossterm::execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(terminal: &mut DefaultTerminal, session: &mut Session) -> Result<(), TuiError> {
    let size = terminal.size()?;
    session.dispatch(super::Action::Resize(size.width, size.height))?;
    session.start()?;
    let mut last_poll = Instant::now();
    let mut last_step = Instant::now();
    while !session.app.quit {
        terminal.draw(|f| f.render_widget(&session.app, f.area()))?;
        let play_due = session.app.playing.then(|| {
            let wait = Duration::from_millis(update::play_delay_ms(&session.app));
            (last_step + wait).saturating_duration_since(Instant::now())
        });
        let mut timeout = HEAD_POLL.saturating_sub(last_poll.elapsed());
        if let Some(p) = play_due {
            timeout = timeout.min(p);
        }
        if session.app.folding() {
            timeout = timeout.min(BUSY_POLL);
        }
        if event::poll(timeout)? {
            // Drain every pending event before drawing: fast scrubbing coalesces.
            session.batching = true;
            loop {
                let ev = event::read()?;
                session.handle_event(&ev)?;
                if session.app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
            session.batching = false;
            session.flush()?;
            if let Some(on) = session.pending_mouse.take() {
                if on {
                    crossterm::execute!(stdout(), EnableMouseCapture)?;
                } else {
                    crossterm::execute!(stdout(), DisableMouseCapture)?;
                }
            }
        }
        session.poll_worker()?;
        if last_poll.elapsed() >= HEAD_POLL {
            last_poll = Instant::now();
            session.poll_head()?;
        }
        if session.app.playing && last_step.elapsed() >= Duration::from_millis(update::play_delay_ms(&session.app)) {
            last_step = Instant::now();
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
