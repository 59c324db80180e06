//! `chronicle cache`: builds (or extends) the keyframe cache of a log
//! another tool wrote, so the time machine opens it without walking it, or
//! of chronicle's own store, so `diff`, `whatif` and `find --from` start
//! from a keyframe instead of position 1; says where the cache is and what
//! it holds.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::progress::Progress;
use crate::app::cache::KeyframeCache;
use crate::app::{AppError, Chronicle, Mode, Timeline};
use crate::domain::Registry;

/// Events folded between progress updates.
const STEP: u64 = 50_000;

pub(super) fn cache(db: &Path, reg: &Arc<Registry>) -> Result<ExitCode, AppError> {
    let c = Chronicle::open(db, Mode::Read, Arc::clone(reg))?;
    let mut cache = match KeyframeCache::for_any_store(&c) {
        Ok(Some(k)) => k,
        Ok(None) => return Err(AppError::Usage("no cache to build: --no-cache is given".to_owned())),
        Err(e) => return Err(AppError::Usage(e)),
    };
    let mut timeline = Timeline::new(c.config());
    let restored = cache.restore(&c, &mut timeline).map_err(AppError::Usage)?;
    let head = c.store().head()?;
    let mut bar = Progress::new("keyframes");
    while !timeline.prefetch(c.store(), c.registry(), STEP)? {
        bar.update(timeline.built(), head);
    }
    drop(bar);
    let written = cache.save(&c, &timeline).map_err(AppError::Io)?;
    println!(
        "{}: keyframes up to position {} of {head} ({restored} restored, {} events folded, {written} written)",
        cache.path().display(),
        cache.head(),
        timeline.folded()
    );
    Ok(ExitCode::SUCCESS)
}
