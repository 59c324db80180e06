-- Aggregate snapshots, tagged with the aggregate's state schema version.
CREATE TABLE snapshots (
    stream_id     text    COLLATE "C" NOT NULL,
    version       bigint  NOT NULL,
    stream_type   text    COLLATE "C" NOT NULL,
    position      bigint  NOT NULL,
    state_version integer NOT NULL,
    state         text    NOT NULL,
    PRIMARY KEY (stream_id, version)
);
