-- chronicle store schema, version 3. Created by the program on first open;
-- `PRAGMA user_version` records the version, `application_id` the owner.
-- Version 2 added `events_correlation`, version 3 `model_snapshots`: opening
-- an older file for writing creates what it lacks (open/migrate.rs), a
-- read-only open reads it as it is.

CREATE TABLE events (
    position       INTEGER PRIMARY KEY,          -- global, 1-based, gapless
    event_id       TEXT    NOT NULL UNIQUE,      -- idempotency key
    stream_id      TEXT    NOT NULL,
    stream_type    TEXT    NOT NULL,
    version        INTEGER NOT NULL,             -- 1-based per stream
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,             -- JSON as written, never rewritten
    metadata       TEXT    NOT NULL,             -- JSON: correlation, causation, actor, source, command
    recorded_at    TEXT    NOT NULL,             -- RFC 3339 UTC
    hash           BLOB    NOT NULL,             -- SHA-256(previous hash || canonical bytes)
    UNIQUE (stream_id, version)
);

CREATE INDEX events_recorded_at ON events (recorded_at);

-- Since version 2: `log --correlation ID` (and its tree) by index, not a scan.
-- The expression must stay the one the reads filter on (read.rs). NULL for
-- metadata that is not JSON (never an error: no append is refused for it).
-- The rowid ends every index entry: one correlation's events in log order.
CREATE INDEX events_correlation ON events (
    CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.correlation_id') END
);

-- Append-only, enforced by the database itself.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

-- One row per stream: its type and current version (derived from events,
-- maintained in the same transaction; `verify` checks it).
CREATE TABLE streams (
    stream_id      TEXT    PRIMARY KEY,
    stream_type    TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL
) WITHOUT ROWID;

-- Aggregate snapshots, tagged with the aggregate's state schema version.
CREATE TABLE snapshots (
    stream_id     TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    stream_type   TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    state_version INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    PRIMARY KEY (stream_id, version)
) WITHOUT ROWID;

-- Last position each projection has applied, written in the same transaction
-- as that projection's rows.
CREATE TABLE checkpoints (
    projection TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL
) WITHOUT ROWID;

-- Since version 3: read-model snapshots, each one projection's rows as of a
-- position, encoded by the program (the bytes are kept as given) and tagged
-- with what the encoding depends on; a diff or whatif at any position folds
-- from the newest one at or before it. Derived data. A rowid table, not
-- WITHOUT ROWID: a body is often larger than a twentieth of a page, and
-- `body` comes last so listing them never reads a body's overflow pages.
CREATE TABLE model_snapshots (
    projection TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    tag        TEXT    NOT NULL,
    body       BLOB    NOT NULL,
    PRIMARY KEY (projection, position)
);
