SELECT stream_id, stream_type, event_type, metadata
FROM events
WHERE position >= $1 AND position <= $2
ORDER BY position
LIMIT $3
