-- An import into an empty store: the ledgers' position indexes (one column,
-- named `<table>_by_<column>`: see rows/ledger.rs) it drops with the events'
-- and builds again at commit, each as (the statement dropping it, the one
-- building it, the one analysing its table: the planner then knows how many
-- rows a range of positions holds before autovacuum has looked). No rows
-- when `events` holds a row.
SELECT format('DROP INDEX %I.%I', n.nspname, ic.relname),
       pg_get_indexdef(i.indexrelid),
       format('ANALYZE %I.%I', n.nspname, t.relname)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
WHERE n.nspname = current_schema()
  AND NOT i.indisunique
  AND i.indnatts = 1
  AND ic.relname = t.relname || '_by_' || a.attname
  AND NOT EXISTS (SELECT 1 FROM events)
ORDER BY ic.relname
