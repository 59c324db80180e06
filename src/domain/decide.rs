//! Typed commands: an author decides over the typed state of their
//! [`Aggregate`] and returns its typed events; the library downcasts the
//! type-erased states the bus hands over and encodes the events.
//!
//! * [`TypedEvent`]: a typed event that serializes to its payload and names
//!   its event type; [`encode`] makes the [`EventData`] (schema version: the
//!   latest the aggregate declares).
//! * [`Decide`]: a command over streams of one aggregate type; every
//!   `Decide` is a [`Command`].
//! * [`DecideTwo`] (wrapped in [`Two`]): a command over one stream of each
//!   of two aggregate types.

use std::fmt::Debug;

use serde::Serialize;
use serde_json::Value;

use super::{Command, Rejection, Target};
use crate::es::{Aggregate, DynState, EventData};

/// A typed event: its payload is its serde serialization (for an enum of
/// payload structs, `#[serde(untagged)]`), its type one of the aggregate's
/// [`Aggregate::EVENTS`].
pub trait TypedEvent: Serialize {
    /// The event type (`MoneyDeposited`).
    fn event_type(&self) -> &'static str;
}

/// The typed event of aggregate `A` borrowing for `'a`.
pub type Ev<'a, A> = <A as Aggregate>::Event<'a>;

/// What [`Decide::decide`] returns: `(stream index, event)` pairs, or why not.
pub type Decided<'a, A> = Result<Vec<(usize, Ev<'a, A>)>, Rejection>;

/// What [`DecideTwo::decide`] returns: events for either stream, or why not.
pub type DecidedTwo<'a, A, B> = Result<Vec<Either<Ev<'a, A>, Ev<'a, B>>>, Rejection>;

/// `event` as stored data: its type, the latest schema `A` declares for it
/// (1 if `A` does not declare it), and its serialized payload.
#[must_use]
pub fn encode<A: Aggregate>(event: &impl TypedEvent) -> EventData {
    let event_type = event.event_type();
    let schema = A::EVENTS.iter().find(|s| s.event_type == event_type).map_or(1, |s| s.latest);
    // Plain payload structs always serialize; `Null` would be refused by
    // the aggregate's own check before anything is recorded.
    let payload = serde_json::to_value(event).unwrap_or(Value::Null);
    EventData { event_type: event_type.to_owned(), schema_version: schema, payload }
}

/// A command over streams of one aggregate type, written against typed
/// states and events. The library implements [`Command`] for it.
pub trait Decide: Send + Sync + Debug {
    /// The aggregate every target stream holds.
    type State: Aggregate;

    /// The ids of the streams it reads and writes, in a fixed order.
    fn streams(&self) -> Vec<&str>;

    /// The pure decision: given the state of every stream (same order as
    /// [`Decide::streams`]; a new stream has the default state), the events
    /// to record as `(stream index, event)`. Events may borrow from the
    /// command and the states.
    ///
    /// # Errors
    /// A [`Rejection`] when the rules refuse the command.
    fn decide<'a>(&'a self, states: &[&'a Self::State]) -> Decided<'a, Self::State>;
}

/// `state` as an `A`, or a rejection naming the stream and what it holds.
fn typed<'s, A: Aggregate>(state: &'s dyn DynState, id: &str) -> Result<&'s A, Rejection> {
    state.as_any().downcast_ref::<A>().ok_or_else(|| {
        Rejection(format!(
            "stream {} is not a {} (it holds {})",
            super::registry::sanitize(id),
            A::STREAM_TYPE,
            super::registry::sanitize(state.stream_type())
        ))
    })
}

fn internal(given: usize, expected: usize) -> Rejection {
    Rejection(format!("internal error: {given} state(s) given for {expected} target(s)"))
}

impl<C> Command for C
where
    C: Decide,
    for<'a> Ev<'a, C::State>: TypedEvent,
{
    fn targets(&self) -> Vec<Target> {
        let stream_type = <C::State as Aggregate>::STREAM_TYPE;
        self.streams().into_iter().map(|id| Target { stream_id: id.to_owned(), stream_type }).collect()
    }

    fn decide(&self, states: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection> {
        let ids = self.streams();
        if ids.len() != states.len() {
            return Err(internal(states.len(), ids.len()));
        }
        let typed_states =
            states.iter().zip(&ids).map(|(s, id)| typed::<C::State>(*s, id)).collect::<Result<Vec<_>, _>>()?;
        let decided = Decide::decide(self, &typed_states)?;
        Ok(decided.into_iter().map(|(i, e)| (i, encode::<C::State>(&e))).collect())
    }
}

/// An event of either aggregate of a [`DecideTwo`] command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Either<A, B> {
    /// For the first stream.
    First(A),
    /// For the second stream.
    Second(B),
}

/// A command over one stream of each of two aggregate types (an order and a
/// stock item, say). Wrap it in [`Two`] to get a [`Command`].
pub trait DecideTwo: Send + Sync + Debug {
    /// The aggregate of the first stream.
    type First: Aggregate;
    /// The aggregate of the second stream.
    type Second: Aggregate;

    /// The ids of the first and the second stream.
    fn streams(&self) -> (&str, &str);

    /// The pure decision over both states: events for either stream, in the
    /// order to record them.
    ///
    /// # Errors
    /// A [`Rejection`] when the rules refuse the command.
    fn decide<'a>(
        &'a self,
        first: &'a Self::First,
        second: &'a Self::Second,
    ) -> DecidedTwo<'a, Self::First, Self::Second>;
}

/// A [`DecideTwo`] command as a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Two<C>(pub C);

impl<C> Command for Two<C>
where
    C: DecideTwo,
    for<'a> Ev<'a, C::First>: TypedEvent,
    for<'a> Ev<'a, C::Second>: TypedEvent,
{
    fn targets(&self) -> Vec<Target> {
        let (a, b) = self.0.streams();
        vec![
            Target { stream_id: a.to_owned(), stream_type: <C::First as Aggregate>::STREAM_TYPE },
            Target { stream_id: b.to_owned(), stream_type: <C::Second as Aggregate>::STREAM_TYPE },
        ]
    }

    fn decide(&self, states: &[&dyn DynState]) -> Result<Vec<(usize, EventData)>, Rejection> {
        let [first, second] = states else {
            return Err(internal(states.len(), 2));
        };
        let (a, b) = self.0.streams();
        let first = typed::<C::First>(*first, a)?;
        let second = typed::<C::Second>(*second, b)?;
        Ok(self
            .0
            .decide(first, second)?
            .into_iter()
            .map(|e| match e {
                Either::First(e) => (0, encode::<C::First>(&e)),
                Either::Second(e) => (1, encode::<C::Second>(&e)),
            })
            .collect())
    }
}
