//! `chronicle log --correlation ID --tree`: a correlation's events as a tree
//! by causation (command → events → follow-ups), as text or one JSON object.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::commands::{emit, io_err};
use super::output::safe;
use crate::app::causation::MAX_EVENTS;
use crate::app::{AppError, Chronicle, Mode};
use crate::domain::Registry;

/// Runs `log --tree` (`correlation`: the `--correlation` given, if any).
/// Exit 1 when no event carries the correlation id.
pub(super) fn run(db: &Path, reg: &Arc<Registry>, correlation: Option<&str>, json: bool) -> Result<ExitCode, AppError> {
    let Some(id) = correlation else {
        return Err(AppError::Usage(
            "--tree draws one correlation: give --correlation ID (ids are in `chronicle log --json`)".to_owned(),
        ));
    };
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let tree = c.causation_tree(id)?;
    if tree.events == 0 {
        eprintln!("chronicle: no event carries correlation `{}`", safe(id));
        return Ok(ExitCode::from(1));
    }
    if tree.truncated {
        eprintln!(
            "chronicle: correlation `{}` has more than {MAX_EVENTS} events: the first {MAX_EVENTS} are shown",
            safe(id)
        );
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    if json {
        emit(&mut out, &tree.to_json().to_string())?;
    } else {
        let plural = if tree.events == 1 { "" } else { "s" };
        let head = format!("correlation {}: {} event{plural}", safe(id), tree.events);
        let rows = tree.lines().into_iter().map(|l| format!("{}{}", l.prefix, safe(&l.kind.label())));
        for line in std::iter::once(head).chain(rows) {
            if !emit(&mut out, &line)? {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    out.flush().map_err(|e| io_err(&e))?;
    Ok(ExitCode::SUCCESS)
}
