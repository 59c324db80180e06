-- chronicle store schema, version 1: migrate_v2.sql, migrate_v3.sql and
-- migrate_v4.sql, run right after it, make it version 4 (with streams.sql,
-- snapshots.sql, checkpoints.sql and model_snapshots.sql, the derived
-- tables), in the schema named by the URL (the connection's search_path).
-- Created by the program in one transaction under the store's advisory
-- lock; `meta` records the version. Text columns use the "C" collation:
-- ordered by bytes, as SQLite orders them.

CREATE TABLE events (
    position       bigint  PRIMARY KEY CHECK (position > 0), -- global, 1-based, gapless
    event_id       text    COLLATE "C" NOT NULL UNIQUE,     -- idempotency key
    stream_id      text    COLLATE "C" NOT NULL,
    stream_type    text    COLLATE "C" NOT NULL,
    version        bigint  NOT NULL CHECK (version > 0),    -- 1-based per stream
    event_type     text    COLLATE "C" NOT NULL,
    schema_version integer NOT NULL,
    payload        text    NOT NULL,                        -- JSON as written, never rewritten
    metadata       text    NOT NULL,                        -- JSON: correlation, causation, actor, source, command
    recorded_at    text    COLLATE "C" NOT NULL,            -- RFC 3339 UTC
    hash           bytea   NOT NULL CHECK (length(hash) = 32), -- SHA-256(previous hash || canonical bytes)
    CONSTRAINT events_stream_version UNIQUE (stream_id, version)
);

CREATE INDEX events_recorded_at ON events (recorded_at);

-- Append-only, enforced by the database itself.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC;

-- Who owns this schema, and at which version.
CREATE TABLE meta (
    name  text PRIMARY KEY,
    value text NOT NULL
);

INSERT INTO meta (name, value) VALUES ('application', 'chronicle'), ('schema_version', '1');
