INSERT OR REPLACE INTO cache_sums (position, after, sums) VALUES (?1, ?2, ?3)
