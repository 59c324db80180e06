-- An import into an empty store: the indexes of `events` it drops before
-- its first large COPY and recreates at commit, each as (the statement
-- dropping it, the one recreating it). Read from the catalog, so an index
-- added to schema.sql is kept too; a constraint's index goes and comes back
-- through ALTER TABLE, so it stays that constraint under its name. An index
-- a foreign key depends on stays. No rows when `events` holds a row.
SELECT CASE WHEN c.conname IS NULL
            THEN format('DROP INDEX %I.%I', n.nspname, ic.relname)
            ELSE format('ALTER TABLE events DROP CONSTRAINT %I', c.conname) END,
       CASE WHEN c.conname IS NULL
            THEN pg_get_indexdef(i.indexrelid)
            ELSE format('ALTER TABLE events ADD CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) END
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
WHERE i.indrelid = 'events'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM events)
ORDER BY ic.relname
