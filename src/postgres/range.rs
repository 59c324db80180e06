//! Range reads for a diff: the events of a range without their payloads,
//! and an append-only table's rows written in a range of positions
//! (filtered by the server).

use super::conn::{Conn, col, to_i64};
use crate::es::StoreError;
use crate::es::projection::{Row, TableSpec};
use crate::es::store::EventHead;

impl Conn {
    /// Calls `f` for each event with `after < position <= upto`, in order.
    pub fn scan_heads(
        &self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(EventHead<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if after >= upto {
            return Ok(());
        }
        self.pages(include_str!("sql/select_events_heads.sql"), after + 1, upto, &mut |r| {
            f(EventHead {
                stream_id: col(r, 0)?,
                stream_type: col(r, 1)?,
                event_type: col(r, 2)?,
                metadata: col(r, 3)?,
            })
        })
    }

    /// How many rows of `spec`'s table have `position_column` in `(after,
    /// upto]` (a missing table has none).
    pub fn count_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        (after, upto): (u64, u64),
    ) -> Result<u64, StoreError> {
        if !self.table_exists(spec)? {
            return Ok(0);
        }
        let bounds = [to_i64(after), to_i64(upto)];
        let filter = self.position_filter(spec, position_column, (bounds[0], bounds[1]))?;
        let sql = format!("SELECT count(*) FROM {} WHERE {filter}", super::rows::ident(spec.name)?);
        let row = self.query_opt(&sql, &[&bounds[0], &bounds[1]])?;
        let n: i64 = row.map_or(Ok(0), |r| col(&r, 0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Calls `f` for each row of `spec`'s table whose `position_column` is
    /// in `(after, upto]`, in key order (a missing table reads empty).
    pub fn scan_table_between(
        &self,
        spec: &'static TableSpec,
        position_column: &str,
        (after, upto): (u64, u64),
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let bounds = [to_i64(after), to_i64(upto)];
        let filter = self.position_filter(spec, position_column, (bounds[0], bounds[1]))?;
        self.scan_where(spec, &filter, &bounds, f)
    }
}
