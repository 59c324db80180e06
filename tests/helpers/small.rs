//! The small store and shape helpers the CLI contract tests share
//! (`cli_commands.rs`, `cli_state.rs`).
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

use serde_json::Value;

use super::support::Store;

/// The read models of the built-in domains.
pub const PROJECTIONS: [&str; 4] = ["account_balances", "transaction_history", "daily_summary", "user_profiles"];

/// The keys of a JSON object, in order.
pub fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

/// A small store: an active account with 5.00, a closed account, a user.
pub fn small_store() -> Store {
    let s = Store::new();
    for line in [
        "open acc-1 Ada Lovelace",
        "deposit acc-1 5 first",
        "open acc-2 Grace Hopper",
        "close acc-2 moved away",
        "register u-1 ada@example.com Ada King Lovelace",
        "grant u-1 admin",
    ] {
        s.exec(line);
    }
    s
}
