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
-- Each frame interval's events summed up (counts by type and actor, streams
-- touched), apart from the frames so a diff reads them without decoding one.
CREATE TABLE IF NOT EXISTS cache_sums (
    position INTEGER PRIMARY KEY,
    after INTEGER NOT NULL,
    sums BLOB NOT NULL
);
