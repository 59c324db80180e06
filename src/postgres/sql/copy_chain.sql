COPY (
    SELECT position, event_id, stream_id, stream_type, version, event_type,
           schema_version, payload, metadata, recorded_at, hash
    FROM events
    WHERE position >= {from} AND position <= {to}
    ORDER BY position
) TO STDOUT (FORMAT binary)
