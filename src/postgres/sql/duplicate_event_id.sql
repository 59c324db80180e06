-- The first event id stored twice (recreating a deferred index found one).
SELECT event_id FROM events GROUP BY event_id HAVING count(*) > 1 ORDER BY min(position) LIMIT 1
