-- The streams index derived again from the events (`rebuild`): per stream its
-- type (of its first event), version and first and last positions.
DELETE FROM streams;
INSERT INTO streams (stream_id, stream_type, version, first_position, last_position)
SELECT e.stream_id,
       (SELECT f.stream_type FROM events f WHERE f.stream_id = e.stream_id ORDER BY f.version LIMIT 1),
       max(e.version), min(e.position), max(e.position)
FROM events e
GROUP BY e.stream_id;
