-- The streams index derived from the events: per stream its type (of its
-- first event), version and first and last positions.
CREATE TEMP TABLE derived_streams AS
SELECT e.stream_id AS stream_id,
       (SELECT f.stream_type FROM events f WHERE f.stream_id = e.stream_id ORDER BY f.version LIMIT 1) AS stream_type,
       max(e.version) AS version, min(e.position) AS first_position, max(e.position) AS last_position
FROM events e
GROUP BY e.stream_id;
