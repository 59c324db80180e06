//! Generic callbacks over the engines' object-safe scans: the caller's error
//! type is kept aside while the engine sees a [`StoreError`] that stops it.

use super::StoreError;

/// The error an engine sees when the caller's callback failed (never
/// returned: the caller's own error is).
fn stopped() -> StoreError {
    StoreError::Damaged { what: "a scan".to_owned(), reason: "stopped by its caller".to_owned() }
}

/// Runs `scan` with a callback that calls `f`, keeping `f`'s error.
macro_rules! adapt {
    ($name:ident, $item:ty) => {
        pub(super) fn $name<E: From<StoreError>>(
            scan: impl FnOnce(&mut dyn FnMut($item) -> Result<(), StoreError>) -> Result<(), StoreError>,
            mut f: impl FnMut($item) -> Result<(), E>,
        ) -> Result<(), E> {
            let mut failed: Option<E> = None;
            let out = scan(&mut |item| {
                f(item).map_err(|e| {
                    failed = Some(e);
                    stopped()
                })
            });
            match failed {
                Some(e) => Err(e),
                None => out.map_err(E::from),
            }
        }
    };
}

adapt!(events, crate::es::event::StoredEvent);
adapt!(folds, crate::es::event::EventRef<'_>);
adapt!(chain, super::ChainRow<'_>);
