SELECT i.stream_id, s.stream_type, s.version, s.first_position, s.last_position,
       (SELECT e.version FROM events e WHERE e.stream_id = i.stream_id ORDER BY e.version DESC LIMIT 1)
FROM unnest($1::text[]) WITH ORDINALITY AS i(stream_id, n)
LEFT JOIN streams s ON s.stream_id = i.stream_id
ORDER BY i.n
