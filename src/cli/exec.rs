//! `chronicle exec "COMMAND"`: one command of the registry's language,
//! recorded for an actor, optionally continuing a request
//! (`--correlation`, `--causation`), its events printed.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::commands::emit;
use super::output::{event_line, safe};
use crate::app::{AppError, Chronicle, ExecOptions, Mode};
use crate::domain::Registry;

/// The options of `exec` besides the command line.
#[derive(Debug, Default)]
pub(super) struct Args {
    /// `--actor` (default: the person at the terminal).
    pub actor: Option<String>,
    /// `--command-id`: an idempotency key.
    pub command_id: Option<String>,
    /// `--correlation`: the request to join.
    pub correlation: Option<String>,
    /// `--causation`: the stored event that caused the command.
    pub causation: Option<String>,
    /// `--json`: the recorded events as JSON Lines.
    pub json: bool,
}

/// Executes `line`; a duplicate command id is said on stderr.
pub(super) fn run(db: &Path, reg: &Arc<Registry>, line: &str, args: Args) -> Result<ExitCode, AppError> {
    // Who a command is recorded for: `--actor`, else the person at the
    // terminal, as in the TUI.
    let actor = args.actor.unwrap_or_else(crate::app::actor::current);
    crate::domain::ids::check_visible("actor", &actor).map_err(AppError::Usage)?;
    let mut c = Chronicle::open(db, Mode::Write, Arc::clone(reg))?;
    let opts = ExecOptions {
        actor,
        source: "cli".to_owned(),
        command_id: args.command_id,
        correlation_id: args.correlation,
        causation_id: args.causation,
        recorded_at: None,
    };
    let outcome = c.execute(line, &opts)?;
    if outcome.duplicate {
        eprintln!("chronicle: command {} was executed before; nothing new recorded", safe(&outcome.command_id));
    }
    let mut out = std::io::stdout().lock();
    for e in &outcome.events {
        let v = c.event_json(e);
        let text = if args.json { v.to_string() } else { event_line(e, &v["payload"]) };
        if !emit(&mut out, &text)? {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
