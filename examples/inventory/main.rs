//! Bring your own domain: an inventory (SKUs, warehouses, orders) with the
//! whole chronicle CLI and TUI, through the library's public API alone.
//!
//! Run it as `cargo run --example inventory -- [--db FILE] <subcommand>`
//! (see the README's "Bring your own domain").

use std::process::ExitCode;

mod domain;
mod events;
mod seeder;

fn main() -> ExitCode {
    // The domain into a registry, with its demo seeder; then the library's
    // CLI: exec, log, state, verify, rebuild, export, import, demo, tui.
    let registry = domain::registry().with_seeder(seeder::InventorySeeder);
    chronicle::cli::run(registry)
}
