SELECT position, stream_id, stream_type, version, event_type, schema_version, payload, recorded_at
FROM events
WHERE position >= $1 AND position <= $2
ORDER BY position
LIMIT $3
