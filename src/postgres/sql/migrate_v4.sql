-- Schema version 4: read-model snapshots, the derived table
-- `model_snapshots` (model_snapshots.sql, run right before this by a
-- writable open of an older store, in the same transaction under the
-- store's advisory lock; created with the other derived tables when a store
-- is created). Nothing of the log changes; re-running it changes nothing.
UPDATE meta SET value = '4' WHERE name = 'schema_version';
