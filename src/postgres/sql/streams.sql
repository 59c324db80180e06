-- One row per stream: its type and current version (derived from events,
-- maintained in the same transaction; `verify` checks it).
CREATE TABLE streams (
    stream_id      text   COLLATE "C" PRIMARY KEY,
    stream_type    text   COLLATE "C" NOT NULL,
    version        bigint NOT NULL,
    first_position bigint NOT NULL,
    last_position  bigint NOT NULL
);
