-- The sync server's first schema (embedded SQLite store). Never edit once shipped.

-- Every accepted operation, in the order the server accepted it. `seq` is the pull
-- cursor; `hlc` the operation id that makes pushes idempotent. Operations of one
-- changeset are inserted together, so their seqs are contiguous.
CREATE TABLE operations (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    hlc         TEXT NOT NULL UNIQUE,
    changeset   TEXT NOT NULL,
    author      TEXT NOT NULL,
    payload     TEXT NOT NULL,          -- canonical wire JSON of the operation
    received_at INTEGER NOT NULL        -- milliseconds since 1970
);
CREATE INDEX operations_by_changeset ON operations (changeset, seq);

-- Who may sync. Only a SHA-256 of each bearer token is kept.
CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('reader', 'annotator', 'admin')),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) WITHOUT ROWID;
