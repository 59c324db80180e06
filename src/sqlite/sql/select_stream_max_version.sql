SELECT max(version) FROM events WHERE stream_id = ?1
