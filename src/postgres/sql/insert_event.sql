INSERT INTO events (position, event_id, stream_id, stream_type, version, event_type,
                    schema_version, payload, metadata, recorded_at, hash, correlation_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT DO NOTHING
RETURNING position
