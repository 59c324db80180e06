INSERT INTO snapshots (stream_id, version, stream_type, position, state_version, state)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (stream_id, version) DO UPDATE
SET stream_type = excluded.stream_type, position = excluded.position,
    state_version = excluded.state_version, state = excluded.state
