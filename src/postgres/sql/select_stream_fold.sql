SELECT position, stream_id, stream_type, version, event_type, schema_version, payload, recorded_at
FROM events
WHERE stream_id = $1 AND version > $2 AND position <= $4
ORDER BY version
LIMIT $3
