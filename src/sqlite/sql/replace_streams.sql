DELETE FROM main.streams;
INSERT INTO main.streams (stream_id, stream_type, version, first_position, last_position)
SELECT stream_id, stream_type, version, first_position, last_position FROM temp.derived_streams;
DROP TABLE temp.derived_streams;
