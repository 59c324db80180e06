SELECT projection, position, tag
FROM model_snapshots
ORDER BY projection, position
