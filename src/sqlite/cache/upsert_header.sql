INSERT INTO cache_header (id, header) VALUES (1, ?1)
ON CONFLICT (id) DO UPDATE SET header = excluded.header
