INSERT INTO streams (stream_id, stream_type, version, first_position, last_position)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position
