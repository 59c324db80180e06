-- Last position each projection has applied, written in the same transaction
-- as that projection's rows.
CREATE TABLE checkpoints (
    projection text   COLLATE "C" PRIMARY KEY,
    position   bigint NOT NULL
);
