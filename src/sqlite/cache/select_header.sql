SELECT header FROM cache_header WHERE id = 1
