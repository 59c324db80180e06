SELECT t.tgname::text, t.tgenabled <> 'D' AND p.proname = 'events_append_only'
       AND p.prosrc LIKE '%RAISE EXCEPTION%append-only%'
FROM pg_trigger t
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE t.tgrelid = to_regclass(format('%I.events', $1::text)) AND NOT t.tgisinternal
ORDER BY t.tgname
