COPY events (position, event_id, stream_id, stream_type, version, event_type,
             schema_version, payload, metadata, recorded_at, hash, correlation_id)
FROM STDIN (FORMAT binary)
