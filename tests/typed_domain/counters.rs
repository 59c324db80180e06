//! The counters domain of `typed_domain.rs`, written only with the typed
//! authoring API: typed events, two aggregates, `Decide` / `DecideTwo`
//! commands, a `TypedProjection`.

use chronicle::domain::decide::Ev;
use chronicle::domain::{ArgKind, Command, CommandHelp, Decide, DecideTwo, Domain, Either, Rejection, Two, TypedEvent};
use chronicle::es::aggregate::{AggregateKind, EventSchema, Violation, payload, rule};
use chronicle::es::projection::{RowsError, TypedProjection};
use chronicle::es::{Aggregate, Cell, Column, ColumnKind, Event, Projection, Row, Rows, TableSpec, Upcaster};
use serde::{Deserialize, Serialize};

// ---- events -------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Added {
    by: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Reset<'a> {
    reason: &'a str,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
enum CounterEvent<'a> {
    Added(Added),
    Reset(#[serde(borrow)] Reset<'a>),
}

impl TypedEvent for CounterEvent<'_> {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Added(_) => "Added",
            Self::Reset(_) => "Reset",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct LimitSet {
    max: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Used {
    by: i64,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
enum LimitEvent {
    Set(LimitSet),
    Used(Used),
}

impl TypedEvent for LimitEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Set(_) => "LimitSet",
            Self::Used(_) => "LimitUsed",
        }
    }
}

// ---- aggregates ---------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Counter {
    count: i64,
    resets: u32,
}

impl Aggregate for Counter {
    const STREAM_TYPE: &'static str = "Counter";
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] =
        &[EventSchema { event_type: "Added", latest: 2 }, EventSchema { event_type: "Reset", latest: 1 }];
    type Event<'a> = CounterEvent<'a>;

    fn decode(event: &Event) -> Result<CounterEvent<'_>, Violation> {
        match event.event_type.as_str() {
            "Added" => Ok(CounterEvent::Added(payload(event)?)),
            "Reset" => Ok(CounterEvent::Reset(payload(event)?)),
            other => Err(Violation::new(rule::UNKNOWN_EVENT, format!("{other} is not a counter event"))),
        }
    }

    fn check(&self, id: &str, event: &CounterEvent<'_>) -> Result<(), Violation> {
        match event {
            // The rule the `add` decision leaves to the check, so the test
            // sees the bus apply it.
            CounterEvent::Added(a) if a.by <= 0 => {
                Err(Violation::new("positive", format!("Added {} on {id}: must be positive", a.by)))
            }
            CounterEvent::Reset(_) if self.count == 0 => {
                Err(Violation::new("empty", format!("Reset on {id}, which is at zero")))
            }
            _ => Ok(()),
        }
    }

    fn evolve(&mut self, event: &CounterEvent<'_>) {
        match event {
            CounterEvent::Added(a) => self.count += a.by,
            CounterEvent::Reset(_) => {
                self.count = 0;
                self.resets += 1;
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Limit {
    max: Option<i64>,
    used: i64,
}

impl Aggregate for Limit {
    const STREAM_TYPE: &'static str = "Limit";
    const STATE_VERSION: u32 = 1;
    const EVENTS: &'static [EventSchema] =
        &[EventSchema { event_type: "LimitSet", latest: 1 }, EventSchema { event_type: "LimitUsed", latest: 1 }];
    type Event<'a> = LimitEvent;

    fn decode(event: &Event) -> Result<LimitEvent, Violation> {
        match event.event_type.as_str() {
            "LimitSet" => Ok(LimitEvent::Set(payload(event)?)),
            "LimitUsed" => Ok(LimitEvent::Used(payload(event)?)),
            other => Err(Violation::new(rule::UNKNOWN_EVENT, format!("{other} is not a limit event"))),
        }
    }

    fn check(&self, id: &str, event: &LimitEvent) -> Result<(), Violation> {
        match (event, self.max) {
            (LimitEvent::Used(u), Some(max)) if self.used + u.by > max => {
                Err(Violation::new("over", format!("LimitUsed on {id} goes past {max}")))
            }
            (LimitEvent::Used(_), None) => Err(Violation::new("unset", format!("LimitUsed on {id}, never set"))),
            _ => Ok(()),
        }
    }

    fn evolve(&mut self, event: &LimitEvent) {
        match event {
            LimitEvent::Set(s) => self.max = Some(s.max),
            LimitEvent::Used(u) => self.used += u.by,
        }
    }
}

// ---- commands -----------------------------------------------------------

#[derive(Debug)]
enum CounterCmd {
    Add { counter: String, by: i64 },
    Reset { counter: String, reason: String },
}

impl Decide for CounterCmd {
    type State = Counter;

    fn streams(&self) -> Vec<&str> {
        match self {
            Self::Add { counter, .. } | Self::Reset { counter, .. } => vec![counter],
        }
    }

    fn decide<'a>(&'a self, states: &[&'a Counter]) -> Result<Vec<(usize, Ev<'a, Counter>)>, Rejection> {
        let [state] = states else { return Err(Rejection("one counter".into())) };
        Ok(vec![(
            0,
            match self {
                Self::Add { by, .. } => CounterEvent::Added(Added { by: *by }),
                Self::Reset { counter, reason } => {
                    if state.count == 0 {
                        return Err(Rejection(format!("counter {counter} is already at zero")));
                    }
                    CounterEvent::Reset(Reset { reason })
                }
            },
        )])
    }
}

#[derive(Debug)]
struct Cap {
    limit: String,
    max: i64,
}

impl Decide for Cap {
    type State = Limit;

    fn streams(&self) -> Vec<&str> {
        vec![&self.limit]
    }

    fn decide<'a>(&'a self, _: &[&'a Limit]) -> Result<Vec<(usize, LimitEvent)>, Rejection> {
        Ok(vec![(0, LimitEvent::Set(LimitSet { max: self.max }))])
    }
}

#[derive(Debug)]
struct AddCapped {
    counter: String,
    limit: String,
    by: i64,
}

impl DecideTwo for AddCapped {
    type First = Counter;
    type Second = Limit;

    fn streams(&self) -> (&str, &str) {
        (&self.counter, &self.limit)
    }

    fn decide<'a>(
        &'a self,
        _counter: &'a Counter,
        limit: &'a Limit,
    ) -> Result<Vec<Either<CounterEvent<'a>, LimitEvent>>, Rejection> {
        let Some(max) = limit.max else { return Err(Rejection(format!("limit {} is not set", self.limit))) };
        if limit.used + self.by > max {
            return Err(Rejection(format!("limit {} allows {} more", self.limit, max - limit.used)));
        }
        Ok(vec![
            Either::First(CounterEvent::Added(Added { by: self.by })),
            Either::Second(LimitEvent::Used(Used { by: self.by })),
        ])
    }
}

// ---- read model ---------------------------------------------------------

static TOTALS: [TableSpec; 1] = [TableSpec {
    name: "counter_totals",
    columns: &[
        Column { name: "counter_id", kind: ColumnKind::Text },
        Column { name: "total", kind: ColumnKind::Integer },
        Column { name: "resets", kind: ColumnKind::Integer },
    ],
    key_len: 1,
}];

struct CounterTotals;

impl TypedProjection for CounterTotals {
    type Agg = Counter;

    fn name(&self) -> &'static str {
        "counter_totals"
    }

    fn tables(&self) -> &'static [TableSpec] {
        &TOTALS
    }

    fn fold(&self, rows: &mut dyn Rows, event: &Event, typed: &CounterEvent<'_>) -> Result<(), RowsError> {
        let t = &TOTALS[0];
        let id = event.stream_id.as_str();
        let old = rows.get(t, &[id.into()])?;
        let (mut total, mut resets) = old.map_or((0, 0), |r| (r.int(1), r.int(2)));
        match typed {
            // Totals only grow: a reset is counted, not subtracted.
            CounterEvent::Added(a) => total += a.by,
            CounterEvent::Reset(_) => resets += 1,
        }
        rows.put(t, Row::new(t, [Cell::text(id), Cell::Int(total), Cell::Int(resets)]))
    }
}

// ---- domain -------------------------------------------------------------

static COMMANDS: [CommandHelp; 4] = [
    CommandHelp { word: "add", usage: "add <counter> <n>", args: &[ArgKind::StreamId("Counter"), ArgKind::Word] },
    CommandHelp {
        word: "reset",
        usage: "reset <counter> <reason…>",
        args: &[ArgKind::StreamId("Counter"), ArgKind::Text],
    },
    CommandHelp { word: "cap", usage: "cap <limit> <max>", args: &[ArgKind::NewId("Limit"), ArgKind::Word] },
    CommandHelp {
        word: "add-capped",
        usage: "add-capped <counter> <limit> <n>",
        args: &[ArgKind::StreamId("Counter"), ArgKind::StreamId("Limit"), ArgKind::Word],
    },
];

/// The domain: counters and limits.
pub struct Counters;

fn number(word: Option<&&str>) -> Result<i64, String> {
    word.ok_or("missing number")?.parse().map_err(|e| format!("not a number: {e}"))
}

impl Domain for Counters {
    fn name(&self) -> &'static str {
        "counters"
    }
    fn aggregates(&self) -> Vec<AggregateKind> {
        vec![AggregateKind::of::<Counter>(), AggregateKind::of::<Limit>()]
    }
    fn commands(&self) -> &'static [CommandHelp] {
        &COMMANDS
    }
    fn parse(&self, word: &str, args: &[&str]) -> Option<Result<Box<dyn Command>, String>> {
        let id = |i: usize| args.get(i).map(|s| (*s).to_owned()).ok_or_else(|| "missing id".to_owned());
        let cmd = || -> Result<Box<dyn Command>, String> {
            Ok(match word {
                "add" => Box::new(CounterCmd::Add { counter: id(0)?, by: number(args.get(1))? }),
                "reset" => Box::new(CounterCmd::Reset { counter: id(0)?, reason: args[1..].join(" ") }),
                "cap" => Box::new(Cap { limit: id(0)?, max: number(args.get(1))? }),
                _ => Box::new(Two(AddCapped { counter: id(0)?, limit: id(1)?, by: number(args.get(2))? })),
            })
        };
        ["add", "reset", "cap", "add-capped"].contains(&word).then(cmd)
    }
    fn upcasters(&self) -> Vec<Upcaster> {
        Vec::new()
    }
    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(CounterTotals)]
    }
}
