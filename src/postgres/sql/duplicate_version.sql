-- The first (stream, version) stored twice (recreating a deferred index found one).
SELECT stream_id, version FROM events GROUP BY stream_id, version HAVING count(*) > 1 ORDER BY min(position) LIMIT 1
