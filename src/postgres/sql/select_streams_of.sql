SELECT i.stream_id, s.stream_type, s.version, s.first_position, s.last_position,
       (SELECT e.version FROM events e WHERE e.stream_id = i.stream_id ORDER BY e.version DESC LIMIT 1)
FROM unnest($1::text[]) WITH ORDINALITY AS i(stream_id, n)
LEFT JOIN LATERAL (
    SELECT stream_type, version, first_position, last_position FROM streams WHERE stream_id = i.stream_id LIMIT 1
) s ON true
ORDER BY i.n
