SELECT to_regclass(format('%I.model_snapshots', $1::text)) IS NOT NULL
