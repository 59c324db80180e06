SELECT after, position, sums FROM cache_sums WHERE position > ?1 AND position <= ?2 AND after >= ?1 ORDER BY position
