//! `log --follow` across a lost server connection (PostgreSQL restarted, its
//! session terminated): one line on stderr, then reconnecting with backoff.

use std::time::Duration;

use crate::app::{AppError, Chronicle, Mode};

/// The kind of a server failure behind `e`, if it is one.
fn backend_kind(e: &AppError) -> Option<crate::es::BackendKind> {
    if let AppError::Store(s) = e { s.backend_kind() } else { None }
}

/// Whether `e` is a lost server connection (worth reconnecting for).
pub(super) fn is_lost(e: &AppError) -> bool {
    matches!(backend_kind(e), Some(crate::es::BackendKind::Unreachable | crate::es::BackendKind::Terminated))
}

/// `log --follow` after losing its connection (`why`): says so on stderr and
/// reconnects, retrying with backoff while the server is away or busy.
pub(super) fn reconnect_follower(c: &Chronicle, why: &AppError) -> Result<Chronicle, AppError> {
    eprintln!("chronicle: {why}; reconnecting…");
    let mut pause = Duration::from_millis(100);
    loop {
        std::thread::sleep(pause);
        match c.reconnect(Mode::Read) {
            Ok(back) => {
                back.store().set_chained(back.store().format().is_none());
                eprintln!("chronicle: reconnected; following again");
                return Ok(back);
            }
            Err(e) if is_lost(&e) || backend_kind(&e) == Some(crate::es::BackendKind::Busy) => {
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
}
