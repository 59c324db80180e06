INSERT OR REPLACE INTO cache_frames (position, frame) VALUES (?1, ?2)
