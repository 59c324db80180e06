-- Read-model snapshots (since schema version 4): one projection's rows as
-- of a position, encoded by the program (the bytes are kept as given) and
-- tagged with what the encoding depends on; a diff or whatif at any
-- position folds from the newest one at or before it. Derived data. (IF NOT
-- EXISTS: migrate_v4.sql's step runs it on an older store.)
CREATE TABLE IF NOT EXISTS model_snapshots (
    projection text   COLLATE "C" NOT NULL,
    position   bigint NOT NULL,
    tag        text   COLLATE "C" NOT NULL,
    body       bytea  NOT NULL,
    PRIMARY KEY (projection, position)
);
