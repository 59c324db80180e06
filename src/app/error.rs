//! Application errors, grouped by who must act: the user (rejected or bad
//! input), a retry (conflict), or the operator (unusable file, I/O).

use crate::es::projection::RowsError;
use crate::es::store::ConflictError;
use crate::es::{BackendKind, StoreError, UpcastError};

/// Everything the application layer can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The command line did not parse; show the reason (nothing recorded).
    #[error("{0}")]
    Parse(String),
    /// The domain's rules refused the command (nothing recorded).
    #[error("rejected: {0}")]
    Rejected(String),
    /// Concurrent writers kept changing a stream; retrying is safe.
    #[error("{0} (gave up after retrying)")]
    Conflict(ConflictError),
    /// A bad argument: unknown stream or projection, position beyond the head.
    #[error("{0}")]
    Usage(String),
    /// An input file (import) is malformed; nothing was recorded.
    #[error("{0}")]
    BadInput(String),
    /// A stored event cannot be read at the latest schema.
    #[error(transparent)]
    Upcast(#[from] UpcastError),
    /// The store failed or is unusable.
    #[error(transparent)]
    Store(StoreError),
    /// Reading or writing a file other than the store.
    #[error("{0}")]
    Io(String),
    /// Whoever read the output went away (`| head`): stop quietly, as Unix
    /// tools do; nothing is wrong with the store.
    #[error("the output was closed")]
    OutputClosed,
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(c) => Self::Conflict(c),
            StoreError::Backend { kind: BackendKind::DiskFull, message, .. } => {
                Self::Io(format!("cannot write the store ({message}): is the disk full? nothing was recorded"))
            }
            // The file's pages, schema or stored values are damaged (as
            // opposed to I/O, locking or a bug): a corrupt or foreign store
            // is unusable (exit 2), and `verify` reports it as a problem.
            StoreError::Backend { kind: BackendKind::Damaged, message, .. } => {
                Self::Store(StoreError::Damaged { what: "the store file".to_owned(), reason: message })
            }
            other => Self::Store(other),
        }
    }
}

impl From<RowsError> for AppError {
    fn from(e: RowsError) -> Self {
        Self::Store(StoreError::Rows(e))
    }
}

impl AppError {
    /// Exit status per the CLI contract: 1 for a rejected command, 2 for bad
    /// usage or an unusable file.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Store(
                StoreError::NotFound { .. }
                | StoreError::NotAStore { .. }
                | StoreError::ReadOnly { .. }
                | StoreError::Foreign { .. }
                | StoreError::Access { .. }
                | StoreError::StreamsIndex { .. }
                | StoreError::NewerSchema { .. }
                | StoreError::Damaged { .. }
                // The server went away, killed this session, or refuses
                // writes: nothing was recorded, and retrying as is won't help.
                | StoreError::Backend {
                    kind: BackendKind::Unreachable | BackendKind::Terminated | BackendKind::ReadOnly,
                    ..
                },
            )
            | Self::Usage(_)
            | Self::BadInput(_)
            | Self::Io(_) => 2,
            Self::Parse(_) | Self::Rejected(_) | Self::Conflict(_) | Self::Upcast(_) | Self::Store(_) => 1,
            Self::OutputClosed => 0,
        }
    }

    /// Whether the store file turned out damaged while being read.
    #[must_use]
    pub fn is_damage(&self) -> bool {
        matches!(self, Self::Store(StoreError::Damaged { .. }))
    }

    /// Whether the user's input was refused (as opposed to a failure).
    #[must_use]
    pub fn is_rejection(&self) -> bool {
        matches!(self, Self::Parse(_) | Self::Rejected(_))
    }
}
