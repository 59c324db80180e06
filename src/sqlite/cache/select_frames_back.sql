SELECT position, frame FROM cache_frames WHERE position <= ?1 ORDER BY position DESC
