INSERT OR REPLACE INTO snapshots (stream_id, version, stream_type, position, state_version, state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
