SELECT stream_id, version, stream_type, position, state_version, state
FROM snapshots
WHERE stream_id = $1 AND position <= $2 AND state_version = $3
ORDER BY version DESC
LIMIT 1
