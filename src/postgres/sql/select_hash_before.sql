SELECT hash FROM events WHERE position < $1 ORDER BY position DESC LIMIT 1
