//! The hash chain's view of an event: every field borrowed from the engine's
//! row, so checking a link allocates nothing (`verify` walks millions of
//! events this way).

use crate::es::hash::HashInput;

/// One event as the chain sees it, borrowed from the current row.
#[derive(Debug, Clone, Copy)]
pub struct ChainRow<'a> {
    /// The fields that enter the hash.
    pub input: HashInput<'a>,
    /// The stored hash (not necessarily 32 bytes in a damaged file).
    pub hash: &'a [u8],
}
