INSERT INTO checkpoints (projection, position)
SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (projection) DO UPDATE SET position = excluded.position
