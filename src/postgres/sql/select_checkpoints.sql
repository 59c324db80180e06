SELECT coalesce(c.position, 0)
FROM unnest($1::text[]) WITH ORDINALITY AS p(projection, n)
LEFT JOIN checkpoints c ON c.projection = p.projection
ORDER BY p.n
