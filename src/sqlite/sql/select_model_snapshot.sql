SELECT position, body
FROM model_snapshots
WHERE projection = ?1 AND tag = ?2 AND position <= ?3
ORDER BY position DESC
LIMIT 1
