-- chronicle's keyframe cache of a foreign log (see src/app/cache.rs).
CREATE TABLE IF NOT EXISTS cache_header (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    header TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cache_frames (
    position INTEGER PRIMARY KEY,
    frame BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cache_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    frame BLOB NOT NULL
);
