-- The streams index derived from the events: per stream its type (of its
-- first event), version and first and last positions.
CREATE TEMP TABLE derived_streams ON COMMIT DROP AS
SELECT DISTINCT ON (stream_id)
       stream_id, stream_type,
       max(version) OVER w AS version,
       min(position) OVER w AS first_position,
       max(position) OVER w AS last_position
FROM events
WINDOW w AS (PARTITION BY stream_id)
ORDER BY stream_id, version;
