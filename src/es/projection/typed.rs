//! Typed read models: a projection declares its tables and the aggregate
//! whose streams it reads, and folds that aggregate's decoded events. The
//! library implements [`Projection`] for it: other streams are skipped, and
//! each event is decoded (borrowing from its payload, no allocation) before
//! the fold.

use super::{Projection, Rows, RowsError, TableSpec, TimeTravel};
use crate::es::aggregate::{Aggregate, decode};
use crate::es::event::Event;

/// A read model over the streams of one aggregate type, folding its typed
/// events. Every `TypedProjection` is a [`Projection`].
pub trait TypedProjection: Send + Sync {
    /// The aggregate whose streams it reads (events of other stream types
    /// never reach [`TypedProjection::fold`]).
    type Agg: Aggregate;

    /// Unique name (`account_balances`), also its checkpoint's name.
    fn name(&self) -> &'static str;
    /// The tables it owns; the first is the one shown to people.
    fn tables(&self) -> &'static [TableSpec];
    /// How the time machine shows it at earlier positions (default: fold).
    fn time_travel(&self) -> TimeTravel {
        TimeTravel::Fold
    }
    /// Folds one event of a stream of [`TypedProjection::Agg`]: `event`
    /// for its metadata (stream id, position, time), `typed` for its
    /// content. An event that does not decode never reaches it (the
    /// projector refuses it first, naming its position).
    ///
    /// # Errors
    /// Storage failures from `rows`, or a total out of range.
    fn fold(
        &self,
        rows: &mut dyn Rows,
        event: &Event,
        typed: &<Self::Agg as Aggregate>::Event<'_>,
    ) -> Result<(), RowsError>;
}

impl<P: TypedProjection> Projection for P {
    fn name(&self) -> &'static str {
        TypedProjection::name(self)
    }
    fn tables(&self) -> &'static [TableSpec] {
        TypedProjection::tables(self)
    }
    fn time_travel(&self) -> TimeTravel {
        TypedProjection::time_travel(self)
    }
    fn apply(&self, rows: &mut dyn Rows, event: &Event) -> Result<(), RowsError> {
        if event.stream_type != P::Agg::STREAM_TYPE {
            return Ok(());
        }
        match decode::<P::Agg>(event) {
            Ok(typed) => self.fold(rows, event, &typed),
            Err(_) => Ok(()),
        }
    }
}
