INSERT INTO model_snapshots (projection, position, tag, body)
VALUES ($1, $2, $3, $4)
ON CONFLICT (projection, position) DO UPDATE
SET tag = excluded.tag, body = excluded.body
