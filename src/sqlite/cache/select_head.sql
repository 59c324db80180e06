SELECT frame FROM cache_head WHERE id = 1
