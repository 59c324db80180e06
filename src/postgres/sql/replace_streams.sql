DELETE FROM streams;
INSERT INTO streams (stream_id, stream_type, version, first_position, last_position)
SELECT stream_id, stream_type, version, first_position, last_position FROM derived_streams;
