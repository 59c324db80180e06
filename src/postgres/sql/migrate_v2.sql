-- Schema version 2: `log --correlation ID` (and its tree) by index, not a
-- scan. Run after schema.sql when a store is created, and alone (in one
-- transaction, under the store's advisory lock) by a writable open of a
-- version 1 store; re-running it changes nothing.
--
-- The correlation id as an IMMUTABLE function of the metadata text, so an
-- expression index can hold it: NULL when the metadata is not JSON (or not
-- JSON that jsonb takes, such as a \u0000 escape), never an error, so no
-- append is refused and no existing store fails to migrate for its
-- metadata. The reads filter on `event_correlation(metadata)` (read.rs).
CREATE OR REPLACE FUNCTION event_correlation(metadata text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN metadata::jsonb ->> 'correlation_id';
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;

CREATE INDEX IF NOT EXISTS events_correlation ON events (event_correlation(metadata));

UPDATE meta SET value = '2' WHERE name = 'schema_version';

-- The planner's statistics of the new index's expression (an existing store
-- is not analyzed again until it grows by a tenth).
ANALYZE events;
