//! Where a command given by a person sits in a causation tree (`exec
//! --correlation ID --causation ID`): a script continues a request by
//! naming the event that caused the next command. The cause must be an event
//! of the store; its correlation is joined unless another is named, which
//! is refused (the new events would be cut off from their cause's tree).

use crate::domain::ids::{check_id, shown};
use crate::es::WriteTx;

use super::{AppError, ExecOptions};

/// The well-formedness of the ids given (before anything is opened).
pub(super) fn check(opts: &ExecOptions) -> Result<(), AppError> {
    for (what, id) in [("correlation id", &opts.correlation_id), ("causation id", &opts.causation_id)] {
        if let Some(id) = id {
            check_id(what, id).map_err(AppError::Usage)?;
        }
    }
    Ok(())
}

/// `opts` with the correlation of its cause filled in, when a causation id
/// is given (`None`: nothing to resolve, use `opts` as they are).
///
/// # Errors
/// [`AppError::Usage`] when no event has the causation id, or it belongs to
/// another correlation than the one given; store failures.
pub(super) fn resolve(tx: &WriteTx<'_>, opts: &ExecOptions) -> Result<Option<ExecOptions>, AppError> {
    let Some(cause) = &opts.causation_id else { return Ok(None) };
    let event = match tx.event_position(cause)? {
        Some(p) => tx.read_range(p, p)?.pop(),
        None => None,
    };
    let Some(event) = event else {
        return Err(AppError::Usage(format!(
            "no event has the id `{}`: --causation names the event that caused the command (see `chronicle log --json`)",
            shown(cause)
        )));
    };
    let theirs = event.metadata().correlation_id;
    match &opts.correlation_id {
        Some(given) if *given != theirs => Err(AppError::Usage(format!(
            "event `{}` belongs to correlation `{}`, not `{}`: leave --correlation out to join it",
            shown(cause),
            shown(&theirs),
            shown(given)
        ))),
        Some(_) => Ok(None),
        None => Ok(Some(ExecOptions { correlation_id: Some(theirs), ..opts.clone() })),
    }
}
