//! The event-sourcing kernel: what every domain and every front end builds on.

pub mod aggregate;
pub mod backend;
pub mod event;
pub mod hash;
pub mod projection;
pub mod store;
pub mod upcast;

pub use aggregate::{Aggregate, DynState, GenericState};
pub use backend::{Access, BackendKind};
pub use event::{Event, EventData, EventRef, ExpectedVersion, Metadata, PendingEvent, StoredEvent, StreamAppend};
pub use projection::{Cell, Column, ColumnKind, Key, MemTables, Projection, Row, Rows, TableSpec, TimeTravel};
pub use store::{Store, StoreError, WriteTx};
pub use upcast::{UpcastError, Upcaster, Upcasters};
