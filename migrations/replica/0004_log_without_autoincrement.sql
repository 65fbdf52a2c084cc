-- The operation log without AUTOINCREMENT. AUTOINCREMENT kept `sqlite_sequence` up to
-- date on every insert, which was a quarter of the cost of logging an operation. It only
-- matters when rows are deleted (it stops SQLite from reusing the largest rowid), and
-- the log is append-only: nothing ever deletes from it, so `seq` stays strictly
-- increasing without it. The table is rebuilt with the same columns and the same `seq`
-- values, so the sync cursors (`remotes.push_cursor`, `annot changes --since`) still hold.
CREATE TABLE operations_0004 (
    seq         INTEGER PRIMARY KEY,
    hlc         TEXT NOT NULL UNIQUE,
    changeset   TEXT NOT NULL,
    author      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    article     TEXT,
    subject     TEXT,
    payload     TEXT NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('local', 'file', 'server')),
    received_at INTEGER NOT NULL
);
INSERT INTO operations_0004 (seq, hlc, changeset, author, kind, article, subject, payload, origin, received_at)
    SELECT seq, hlc, changeset, author, kind, article, subject, payload, origin, received_at FROM operations ORDER BY seq;
DROP TABLE operations;
ALTER TABLE operations_0004 RENAME TO operations;
CREATE INDEX operations_pending_push ON operations (author, seq) WHERE origin <> 'server';
DELETE FROM sqlite_sequence WHERE name = 'operations';
