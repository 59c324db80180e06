//! `chronicle whatif`: a branch in memory (nothing is written), its
//! commands' outcomes, the replayed events it refuses, and its diff against
//! the log.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::json;

use super::commands::{emit, io_err};
use super::output::safe;
use crate::app::whatif::{Branch, CommandOutcome};
use crate::app::{AppError, Chronicle, Mode};
use crate::domain::Registry;

/// The options of `whatif`.
pub(super) struct Args {
    pub at: u64,
    pub skip: Vec<u64>,
    pub then: Vec<String>,
    pub replay: bool,
    pub json: bool,
}

/// Runs `whatif`.
pub(super) fn run(db: &Path, reg: &Arc<Registry>, args: &Args) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let mut branch = Branch::fork(&c, args.at)?;
    for &p in &args.skip {
        branch.skip(&c, p)?;
    }
    let mut outcomes = Vec::with_capacity(args.then.len());
    for line in &args.then {
        outcomes.push(branch.apply_command(&c, line)?);
    }
    if args.replay {
        branch.replay(&c)?;
    }
    let mut diff = branch.diff_against_main(&c)?;
    branch.diff_read_models(&c, &mut diff)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        let v = json!({
            "at": branch.at(),
            "skipped": branch.skipped(),
            "replayed": args.replay,
            "commands": outcomes.iter().map(CommandOutcome::to_json).collect::<Vec<_>>(),
            "flagged": branch.flagged().iter().map(crate::app::whatif::Flagged::to_json).collect::<Vec<_>>(),
            "diff": diff.to_json(),
        });
        emit(&mut out, &v.to_string())?;
    } else {
        let skipped: Vec<String> = branch.skipped().iter().map(u64::to_string).collect();
        let mut text = vec![format!(
            "branch at {}{}{}",
            branch.at(),
            if skipped.is_empty() { String::new() } else { format!(", skipping {}", skipped.join(", ")) },
            if args.replay { ", later events replayed" } else { "" }
        )];
        for o in &outcomes {
            match &o.result {
                Ok(events) => {
                    let types: Vec<String> =
                        events.iter().map(|e| format!("{} {}", safe(&e.event_type), safe(&e.stream_id))).collect();
                    text.push(format!("accepted: {} → {}", safe(&o.command), types.join(", ")));
                }
                Err(reason) => text.push(format!("rejected: {}: {}", safe(&o.command), safe(reason))),
            }
        }
        for f in branch.flagged() {
            text.push(format!(
                "flagged: {} {} {}: {}",
                f.position,
                safe(&f.stream_id),
                safe(&f.event_type),
                safe(&f.reason)
            ));
        }
        text.push(format!("diff against the log at {}:", diff.to));
        text.extend(super::diff::lines(&diff));
        for line in text {
            if !emit(&mut out, &line)? {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    out.flush().map_err(|e| io_err(&e))?;
    Ok(ExitCode::SUCCESS)
}
