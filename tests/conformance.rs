//! The storage conformance suite (issue 11, item 1): one set of
//! engine-agnostic checks, in the spirit of Python eventsourcing's recorder
//! test cases, that every engine behind the store facade must pass.
//!
//! Each check is a function taking a [`Fixture`] (a `--db` spec the engine
//! opens, in a fresh, empty store) and going through the public API only:
//! the facade (`Store`, `WriteTx`, `StreamReader`) and, where that is the
//! natural level, the `chronicle` binary with `--db`. [`engines!`] below is
//! the ONE place listing the engines: it generates `<engine>::<check>` tests
//! (`sqlite::expected_version_exact`, later `postgres::…`).

#[path = "helpers/campaign.rs"]
mod support;

#[path = "conformance/access.rs"]
mod access;
#[path = "conformance/appends.rs"]
mod appends;
#[path = "conformance/chain.rs"]
mod chain;
#[path = "conformance/fixture.rs"]
mod fixture;
#[path = "conformance/idempotency.rs"]
mod idempotency;
#[path = "conformance/model_snapshots.rs"]
mod model_snapshots;
#[path = "conformance/processes.rs"]
mod processes;
#[path = "conformance/races.rs"]
mod races;
#[path = "conformance/read_models.rs"]
mod read_models;
#[path = "conformance/snapshots.rs"]
mod snapshots;
#[path = "conformance/text.rs"]
mod text;
#[path = "conformance/time_travel.rs"]
mod time_travel;

use fixture::Fixture;

/// Generates one `#[test]` per check for one engine: `$fixture()` gives a
/// fresh store (`None`: the engine is unavailable here, and the constructor
/// has printed why the test is skipped).
macro_rules! checks {
    ($fixture:path; $($(#[$attr:meta])* $module:ident :: $check:ident),* $(,)?) => {
        $(
            #[test]
            $(#[$attr])*
            fn $check() {
                let Some(f) = $fixture() else { return };
                crate::$module::$check(&f);
            }
        )*
    };
}

/// The engines, each with the constructor of its fresh-store fixture, and
/// the checks every one of them runs.
macro_rules! engines {
    ($($engine:ident => $fixture:path),* $(,)?) => {
        $(
            mod $engine {
                checks! {
                    $fixture;
                    access::a_read_only_open_reads_and_refuses_writes,
                    access::a_large_write_is_one_transaction_that_reads_its_own_events,
                    access::connections_opening_a_new_store_at_once_all_succeed,
                    appends::expected_version_any,
                    appends::expected_version_no_stream,
                    appends::expected_version_stream_exists,
                    appends::expected_version_exact,
                    appends::a_conflict_in_one_stream_records_nothing_of_the_batch,
                    appends::positions_are_gapless_and_versions_count_per_stream,
                    appends::a_stream_keeps_its_type,
                    appends::payload_and_metadata_are_stored_byte_for_byte,
                    appends::a_failed_write_records_nothing,
                    appends::a_write_sees_its_own_appends,
                    idempotency::the_same_batch_twice_is_a_duplicate_at_the_same_positions,
                    idempotency::a_stored_id_with_other_content_is_an_event_id_conflict,
                    idempotency::a_partly_stored_batch_is_refused_whole,
                    idempotency::an_id_twice_in_one_batch_is_refused,
                    idempotency::fresh_appends_type_a_stored_id,
                    idempotency::ids_are_seen_by_another_connection,
                    chain::every_link_recomputes_from_the_one_before,
                    chain::the_chain_continues_across_connections,
                    chain::verify_chain_passes_on_the_cli,
                    snapshots::snapshots_read_at_or_before_a_position,
                    snapshots::another_state_version_is_ignored,
                    snapshots::a_snapshot_is_replaced_and_rolls_back_with_its_write,
                    model_snapshots::model_snapshots_read_newest_at_or_before_a_position_per_tag,
                    model_snapshots::a_model_snapshot_is_replaced_and_cleared_per_projection_and_listed_in_order,
                    model_snapshots::model_snapshots_are_seen_inside_their_write_and_roll_back_with_it,
                    model_snapshots::model_snapshots_saved_during_a_bulk_load_are_committed_with_it,
                    races::a_writer_waits_for_the_write_lock_and_builds_on_what_was_committed,
                    races::the_same_batch_from_racing_connections_is_recorded_once,
                    read_models::rows_and_checkpoint_commit_together,
                    read_models::a_failed_write_leaves_neither_rows_nor_checkpoint,
                    read_models::rows_read_back_in_key_order_and_up_to_a_position,
                    read_models::projections_follow_commands_and_travel_in_time,
                    read_models::rebuild_derives_the_same_read_models_again,
                    text::odd_ids_round_trip_and_are_found,
                    text::read_model_keys_order_by_bytes_and_by_value,
                    text::json_text_any_parser_accepts_is_stored,
                    text::read_model_cells_round_trip_exactly,
                    time_travel::read_range_and_single_events,
                    time_travel::position_at_time_finds_the_last_event_at_or_before,
                    time_travel::stream_events_stop_at_max_position,
                    time_travel::log_filters_combine,
                    time_travel::streams_summarise_their_events,
                    time_travel::a_range_sums_up_by_type_actor_and_stream,
                    processes::concurrent_connections_lose_and_duplicate_nothing,
                    processes::concurrent_writer_processes_lose_and_duplicate_nothing,
                    processes::the_same_command_id_from_racing_processes_records_once,
                    processes::a_follower_sees_another_process_append,
                    processes::a_waiting_connection_wakes_on_appends_from_another_connection_and_process,
                }
            }
        )*
    };
}

engines! {
    sqlite => crate::Fixture::sqlite,
    postgres => crate::Fixture::postgres,
}
