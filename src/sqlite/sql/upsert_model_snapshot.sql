INSERT OR REPLACE INTO model_snapshots (projection, position, tag, body)
VALUES (?1, ?2, ?3, ?4)
