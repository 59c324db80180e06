//! `log --correlation ID` and `log --correlation ID --tree` (issue 13 item
//! 5) on the demo store: the correlation ids of random events, each looked
//! up as the CLI does (one open store). Schema version 2 reads them by the
//! `events_correlation` index. `CHRONICLE_REPORT_ONLY=correlation` runs
//! these alone.

use chronicle::app::Mode;
use chronicle::es::store::LogFilter;

use super::common::{latency, positions};
use super::fixture::Fixture;
use super::{Row, latency_row, time};

pub fn rows(rows: &mut Vec<Row>, fx: &Fixture) {
    let c = fx.open(Mode::Read);
    let store = c.store();
    let head = store.head().unwrap();
    let ids: Vec<String> = positions(head, 50, 23)
        .into_iter()
        .map(|p| store.event(p).unwrap().unwrap().metadata().correlation_id)
        .collect();
    // No stated target: "milliseconds, on both engines" (it was seconds by a scan).
    let target = "report (ms; a scan took seconds at 1M)";
    let (mut list, mut tree) = (Vec::new(), Vec::new());
    for id in &ids {
        let filter = LogFilter { correlation_id: Some(id.clone()), ..LogFilter::default() };
        let (events, d) = time(|| store.log(&filter, 1_000).unwrap());
        assert!(!events.is_empty(), "{id} has events");
        list.push(d);
        let (t, d) = time(|| c.causation_tree(id).unwrap());
        assert_eq!(t.events, events.len());
        tree.push(d);
    }
    let tag = fx.tag();
    latency_row(rows, format!("log --correlation ID ({tag})"), latency(&mut list), None, true, target);
    latency_row(rows, format!("log --correlation ID --tree ({tag})"), latency(&mut tree), None, true, target);
}
