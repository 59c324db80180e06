-- Schema version 3: the correlation id as a column of `events`, written with
-- each event by the program (correlation.rs computes it from the metadata
-- it hashes), with a plain btree index: an import builds it at commit in
-- a third of the time version 2's expression index took (that index called
-- a plpgsql function per row). Run after migrate_v2.sql when a store is
-- created, and alone (in one transaction, under the store's advisory lock)
-- by a writable open of an older store; re-running it changes nothing.
--
-- The column holds the metadata's top-level `correlation_id` when it is a
-- JSON string, else NULL (metadata that is not JSON, or that jsonb refuses,
-- such as a \u0000 escape, included): exactly what correlation.rs computes,
-- and what `verify` checks the column against.
ALTER TABLE events ADD COLUMN IF NOT EXISTS correlation_id text COLLATE "C";

-- The backfill's function, in this session only (pg_temp, dropped after
-- it): never an error, so no existing store fails to migrate for its
-- metadata.
CREATE OR REPLACE FUNCTION pg_temp.chronicle_correlation(metadata text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    doc jsonb;
BEGIN
    doc := metadata::jsonb;
    IF jsonb_typeof(doc -> 'correlation_id') = 'string' THEN
        RETURN doc ->> 'correlation_id';
    END IF;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

-- `events` is append-only (its UPDATE trigger refuses every UPDATE): the
-- trigger is off for this statement only, inside the migration's
-- transaction and under its lock, so nobody else can write meanwhile; a
-- failure rolls the whole migration back with the trigger on.
ALTER TABLE events DISABLE TRIGGER events_no_update;
UPDATE events SET correlation_id = pg_temp.chronicle_correlation(metadata)
WHERE correlation_id IS NULL AND pg_temp.chronicle_correlation(metadata) IS NOT NULL;
ALTER TABLE events ENABLE TRIGGER events_no_update;
DROP FUNCTION pg_temp.chronicle_correlation(text);

-- Version 2's expression index and its function give way to the column's.
DROP INDEX IF EXISTS events_correlation;
DROP FUNCTION IF EXISTS event_correlation(text);
CREATE INDEX events_correlation ON events (correlation_id);

UPDATE meta SET value = '3' WHERE name = 'schema_version';

-- The planner's statistics of the new column (an existing store is not
-- analyzed again until it grows by a tenth).
ANALYZE events;
