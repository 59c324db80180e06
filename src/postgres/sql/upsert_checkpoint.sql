INSERT INTO checkpoints (projection, position) VALUES ($1, $2)
ON CONFLICT (projection) DO UPDATE SET position = excluded.position
