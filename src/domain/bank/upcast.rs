//! Schema evolution of the money events, and their legacy encodings.
//!
//! `MoneyDeposited` / `MoneyWithdrawn`:
//! * v1 `{"amount": 12.5, "description"?}` (float dollars)
//! * v2 `{"amount": 12.5, "currency": "USD", "description"?}`
//! * v3 `{"amount": {"value_cents": 1250, "currency": "USD"}, "description": "…"}`
//!
//! Float dollars are read through the JSON number's decimal text and rounded
//! to cents half away from zero: no float arithmetic touches money.

use serde_json::{Map, Number, Value, json};

use super::events::{DEFAULT_CURRENCY, MONEY_DEPOSITED, MONEY_SCHEMA, MONEY_WITHDRAWN, Movement, money_payload};
use super::money::{cents_to_json_dollars, json_dollars_to_cents};
use crate::es::{EventData, Upcaster};

/// The bank's upcaster steps: v1 -> v2 -> v3 for both money events.
#[must_use]
pub fn upcasters() -> Vec<Upcaster> {
    [MONEY_DEPOSITED, MONEY_WITHDRAWN]
        .into_iter()
        .flat_map(|event_type| {
            [Upcaster { event_type, from: 1, step: v1_to_v2 }, Upcaster { event_type, from: 2, step: v2_to_v3 }]
        })
        .collect()
}

fn object(payload: Value) -> Result<Map<String, Value>, String> {
    match payload {
        Value::Object(m) => Ok(m),
        other => Err(format!("payload must be a JSON object, found {other}")),
    }
}

fn dollars(m: &Map<String, Value>) -> Result<&Number, String> {
    match m.get("amount") {
        Some(Value::Number(n)) => Ok(n),
        Some(other) => Err(format!("field `amount` must be a number of dollars, found {other}")),
        None => Err("field `amount` is missing".to_owned()),
    }
}

fn optional_text(m: &Map<String, Value>, field: &str) -> Result<Option<String>, String> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("field `{field}` must be text, found {other}")),
    }
}

/// v1 -> v2: the currency becomes explicit (`USD`, the only v1 currency).
fn v1_to_v2(payload: Value) -> Result<Value, String> {
    let mut m = object(payload)?;
    dollars(&m)?;
    optional_text(&m, "description")?;
    m.entry("currency").or_insert_with(|| json!(DEFAULT_CURRENCY));
    Ok(Value::Object(m))
}

/// v2 -> v3: float dollars become integer cents beside their currency.
fn v2_to_v3(payload: Value) -> Result<Value, String> {
    let m = object(payload)?;
    let cents = json_dollars_to_cents(dollars(&m)?).map_err(|e| format!("field `amount`: {e}"))?;
    let currency = optional_text(&m, "currency")?.unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
    let description = optional_text(&m, "description")?.unwrap_or_default();
    Ok(money_payload(cents, &currency, &description))
}

/// A current money event re-encoded at schema `version` (1 or 2); `None`
/// for other events or versions, for a non-USD amount at v1 (v1 had no
/// currency), and for amounts a float cannot carry to the cent. An empty
/// description is left out, as old writers did.
#[must_use]
pub fn legacy(event: &EventData, version: u32) -> Option<EventData> {
    if event.schema_version != MONEY_SCHEMA || !(1..MONEY_SCHEMA).contains(&version) {
        return None;
    }
    let m = Movement::read(&event.event_type, &event.payload)?;
    if version == 1 && m.currency != DEFAULT_CURRENCY {
        return None;
    }
    let mut out = Map::new();
    out.insert("amount".to_owned(), Value::Number(cents_to_json_dollars(m.cents)?));
    if version == 2 {
        out.insert("currency".to_owned(), json!(m.currency));
    }
    if !m.description.is_empty() {
        out.insert("description".to_owned(), json!(m.description));
    }
    Some(EventData::new(&event.event_type, version, Value::Object(out)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::bank::events::{deposited, opened, withdrawn};
    use crate::es::Upcasters;

    fn up(version: u32, payload: Value) -> Result<Value, String> {
        Upcasters::new(super::super::STREAM_TYPE, upcasters())
            .upcast_value(1, super::super::STREAM_TYPE, MONEY_DEPOSITED, version, payload)
            .map(|(_, p)| p)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn each_step_does_one_thing() {
        assert_eq!(v1_to_v2(json!({"amount": 12.5})), Ok(json!({"amount": 12.5, "currency": "USD"})));
        assert_eq!(
            v1_to_v2(json!({"amount": 12.5, "description": "pay"})),
            Ok(json!({"amount": 12.5, "currency": "USD", "description": "pay"}))
        );
        assert_eq!(
            v2_to_v3(json!({"amount": 12.5, "currency": "EUR"})),
            Ok(json!({"amount": {"value_cents": 1250, "currency": "EUR"}, "description": ""}))
        );
        assert_eq!(
            v2_to_v3(json!({"amount": 3, "currency": "USD", "description": "x"})),
            Ok(json!({"amount": {"value_cents": 300, "currency": "USD"}, "description": "x"}))
        );
    }

    #[test]
    fn the_chain_runs_from_any_version() {
        let v3 = json!({"amount": {"value_cents": 1250, "currency": "USD"}, "description": "pay"});
        assert_eq!(up(1, json!({"amount": 12.5, "description": "pay"})), Ok(v3.clone()));
        assert_eq!(up(2, json!({"amount": 12.5, "currency": "USD", "description": "pay"})), Ok(v3.clone()));
        assert_eq!(up(3, v3.clone()), Ok(v3));
        let u = Upcasters::new(super::super::STREAM_TYPE, upcasters());
        assert_eq!(
            (
                u.latest(super::super::STREAM_TYPE, MONEY_DEPOSITED),
                u.latest(super::super::STREAM_TYPE, MONEY_WITHDRAWN)
            ),
            (3, 3)
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_decimal_text() {
        for (dollars, cents) in
            [(json!(0.125), 13), (json!(-0.125), -13), (json!(0.285), 29), (json!(1.005), 101), (json!(0.004), 0)]
        {
            assert_eq!(up(1, json!({"amount": dollars})).unwrap()["amount"]["value_cents"], json!(cents), "{dollars}");
        }
    }

    #[test]
    fn unusable_payloads_name_the_field() {
        for (payload, needle) in [
            (json!({"amount": "12.50"}), "field `amount` must be a number"),
            (json!({}), "field `amount` is missing"),
            (json!({"amount": 1e300}), "field `amount`"),
            (json!({"amount": 1, "description": 5}), "field `description` must be text"),
            (json!([1]), "must be a JSON object"),
        ] {
            let e = up(1, payload.clone()).unwrap_err();
            assert!(e.contains(needle), "{payload}: {e}");
        }
        assert!(v2_to_v3(json!({"amount": 1, "currency": 7})).unwrap_err().contains("field `currency`"));
    }

    #[test]
    fn legacy_encodings() {
        let d = deposited(1250, "USD", "pay");
        assert_eq!(
            legacy(&d, 1),
            Some(EventData::new(MONEY_DEPOSITED, 1, json!({"amount": 12.5, "description": "pay"})))
        );
        assert_eq!(
            legacy(&withdrawn(5, "USD", ""), 2),
            Some(EventData::new(MONEY_WITHDRAWN, 2, json!({"amount": 0.05, "currency": "USD"})))
        );
        assert_eq!(legacy(&d, 3), None);
        assert_eq!(legacy(&d, 0), None);
        assert_eq!(legacy(&opened("Ada", "USD"), 1), None);
        assert_eq!(legacy(&deposited(5, "EUR", ""), 1), None);
        assert!(legacy(&deposited(5, "EUR", ""), 2).is_some());
        assert_eq!(legacy(&deposited(i64::MAX, "USD", ""), 1), None);
    }

    #[test]
    fn legacy_events_fold_and_project_as_current_ones() {
        use crate::domain::Registry;
        use crate::testing::Scenario;
        let current = [opened("Ada", "USD"), deposited(1250, "USD", "pay"), withdrawn(5, "USD", "")];
        let old: Vec<EventData> =
            [current[0].clone(), legacy(&current[1], 1).unwrap(), legacy(&current[2], 2).unwrap()].into();
        let (now, then) = (
            Scenario::new(Registry::builtin()).given("acc-1", current),
            Scenario::new(Registry::builtin()).given("acc-1", old),
        );
        assert_eq!(then.state_json("acc-1"), now.state_json("acc-1"));
        for p in ["account_balances", "transaction_history", "daily_summary"] {
            assert_eq!(then.rows(p), now.rows(p), "{p}");
        }
        assert_eq!(
            then.events()[1].payload,
            json!({"amount": {"value_cents": 1250, "currency": "USD"}, "description": "pay"})
        );
    }

    proptest! {
        #[test]
        fn legacy_then_upcast_gives_the_event_back(
            cents in 1_i64..=1_000_000_000_000_000,
            version in 1_u32..=2,
            withdrawal in any::<bool>(),
            description in "[a-z ]{0,8}",
        ) {
            let e = if withdrawal { withdrawn(cents, "USD", &description) } else { deposited(cents, "USD", &description) };
            let old = legacy(&e, version);
            prop_assert!(old.is_some());
            let old = old.unwrap_or_else(|| e.clone());
            prop_assert_eq!(old.schema_version, version);
            let (v, payload) = Upcasters::new(super::super::STREAM_TYPE, upcasters())
                .upcast_value(1, super::super::STREAM_TYPE, &e.event_type, version, old.payload)
                .map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert_eq!(EventData::new(&e.event_type, v, payload), e);
        }
    }
}
