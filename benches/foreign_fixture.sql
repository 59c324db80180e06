-- A Node-style event table (issue 12's `node` preset), filled by SQL:
-- 10,000 `Order` streams of 100 events each, in turn, so every keyframe
-- interval touches many streams. Used by benches/foreign_frame.sh and
-- `cargo bench --bench report` (part `foreign`); the row count is bound to
-- the parameter `:n` (sqlite3: `.parameter set :n 1000000`).
CREATE TABLE domain_events (
    id INTEGER PRIMARY KEY,
    aggregate_id TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_version INTEGER,
    event_data TEXT NOT NULL,
    metadata TEXT,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (aggregate_id, revision)
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)
INSERT INTO domain_events (id, aggregate_id, aggregate_type, event_type, event_version, event_data, metadata,
                           revision, created_at)
SELECT i,
       'order-' || ((i - 1) % 10000),
       'Order',
       CASE WHEN i <= 10000 THEN 'OrderPlaced' WHEN i % 3 = 0 THEN 'ItemRemoved' ELSE 'ItemAdded' END,
       1,
       json_object('sku', 'sku-' || (i % 977), 'qty', i % 5 + 1, 'price_cents', (i * 37) % 10000),
       json_object('correlationId', 'corr-' || (i / 3), 'causationId', 'cmd-' || (i / 3), 'userId', 'user-' || (i % 50)),
       (i - 1) / 10000 + 1,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1764400000 + i, 'unixepoch')
FROM n;
