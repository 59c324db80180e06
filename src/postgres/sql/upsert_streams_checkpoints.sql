WITH s AS (
    INSERT INTO streams (stream_id, stream_type, version, first_position, last_position)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
    ON CONFLICT (stream_id) DO UPDATE
    SET stream_type = excluded.stream_type, version = excluded.version,
        first_position = excluded.first_position, last_position = excluded.last_position
)
INSERT INTO checkpoints (projection, position)
SELECT * FROM unnest($6::text[], $7::bigint[])
ON CONFLICT (projection) DO UPDATE SET position = excluded.position
