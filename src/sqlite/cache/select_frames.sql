SELECT position, frame FROM cache_frames ORDER BY position
