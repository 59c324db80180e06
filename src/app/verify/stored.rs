//! The checks that compare what the walk saw with what the store keeps:
//! the streams index and every read model's tables.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use super::chain::Seen;
use super::digest::Digest;
use super::{REBUILD_INDEX, Report, Walk};
use crate::app::AppError;
use crate::app::Chronicle;
use crate::es::store::StreamInfo;
use crate::es::{StoreError, TimeTravel};

impl Chronicle {
    pub(super) fn check_streams(&self, seen: &FxHashMap<String, Seen>, report: &mut Report) -> Result<(), AppError> {
        let listed: HashMap<String, StreamInfo> =
            self.store.streams()?.into_iter().map(|s| (s.stream_id.clone(), s)).collect();
        for (id, s) in seen {
            let (ty, version) = (&s.stream_type, s.version);
            match listed.get(id) {
                Some(l) if l.version == version && &l.stream_type == ty => {}
                Some(l) => report.problem(
                    Some(l.last_position),
                    format!(
                        "streams index says {id} is {} v{}, the log says {ty} v{version}{REBUILD_INDEX}",
                        l.stream_type, l.version
                    ),
                ),
                None => report.problem(None, format!("stream {id} is missing from the streams index{REBUILD_INDEX}")),
            }
        }
        for id in listed.keys().filter(|id| !seen.contains_key(*id)) {
            report.problem(None, format!("streams index lists {id}, which has no events{REBUILD_INDEX}"));
        }
        Ok(())
    }

    pub(super) fn check_read_models(
        &self,
        mut walk: Walk,
        checkpoints: &[(&'static str, u64)],
        head: u64,
        report: &mut Report,
    ) -> Result<(), AppError> {
        for (p, (name, cp)) in self.registry.projections().iter().zip(checkpoints) {
            report.projections += 1;
            if *cp > head {
                report.problem(None, format!("read model {name} claims position {cp}, beyond the head {head}"));
                continue;
            }
            let Some((replay, digest)) = walk.at_checkpoint.remove(name) else { continue };
            for (i, spec) in p.tables().iter().enumerate() {
                if i == 0 && matches!(p.time_travel(), TimeTravel::Query { .. }) {
                    let mut stored = Digest::default();
                    self.store.scan_table(spec, None, &mut |row| {
                        stored.add(spec, &row);
                        Ok(())
                    })?;
                    if stored != digest {
                        report.problem(
                            None,
                            format!(
                                "read model table {} differs from its replay at position {cp}: {} rows stored, {} replayed{}",
                                spec.name,
                                stored.rows,
                                digest.rows,
                                if stored.rows == digest.rows { ", contents differ" } else { "" }
                            ),
                        );
                    }
                    continue;
                }
                let mut expected = replay.rows(spec.name);
                let mut mismatch: Option<String> = None;
                let mut index = 0usize;
                self.store.scan_table(spec, None, &mut |row| {
                    index += 1;
                    if mismatch.is_some() {
                        return Ok(());
                    }
                    match expected.next() {
                        Some(want) if want.same_values(&row) => {}
                        Some(want) => mismatch = Some(format!("row {index} is {row} but replay gives {want}")),
                        None => mismatch = Some(format!("extra row {row}")),
                    }
                    Ok::<_, StoreError>(())
                })?;
                if mismatch.is_none()
                    && let Some(want) = expected.next()
                {
                    mismatch = Some(format!("row {want} is missing"));
                }
                if let Some(m) = mismatch {
                    report.problem(
                        None,
                        format!("read model table {} differs from its replay at position {cp}: {m}", spec.name),
                    );
                }
            }
        }
        Ok(())
    }
}
