-- The sync server's first schema on PostgreSQL. Never edit once shipped: add 0002_… instead.
-- Applied by syncd at start, by exactly one instance (under an advisory lock), one
-- statement at a time: every statement ends with ';' at the end of a line.

-- Every accepted operation. `seq` is the pull cursor. It is assigned under the lock on
-- `log_head` (below), so sequence numbers are handed out in commit order and a reader can
-- never see seq N+1 committed while N is still in flight (docs/protocol.md, "Several
-- instances on one database").
CREATE TABLE operations (
    seq         BIGINT PRIMARY KEY,
    hlc         TEXT NOT NULL UNIQUE,
    changeset   TEXT NOT NULL,
    author      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- The single ordered commit point: the greatest sequence number handed out. A push locks
-- this row (SELECT … FOR UPDATE) before it numbers its operations, and holds the lock
-- until it commits.
CREATE TABLE log_head (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    seq         BIGINT NOT NULL
);
INSERT INTO log_head (singleton, seq) VALUES (1, 0);

-- Who may sync. Only a SHA-256 of each bearer token is kept.
CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('reader', 'annotator', 'admin')),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
