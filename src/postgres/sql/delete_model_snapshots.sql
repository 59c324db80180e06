DELETE FROM model_snapshots WHERE projection = $1
