INSERT INTO cache_head (id, frame) VALUES (1, ?1)
ON CONFLICT (id) DO UPDATE SET frame = excluded.frame
