-- The replica's first schema. Never edit this file once shipped: add 0002_… instead.
--
-- Two layers: `operations` is the log of every operation this replica holds (the truth,
-- what sync ships), and the other tables are state materialized from it by the merge
-- rules of SyncCore, for fast reads. Every materialized table holds grow-only facts
-- (imports, tag additions, tombstones, note versions, supersessions, deletions) plus
-- derived columns, which is what makes the result independent of delivery order.

-- One row: who this replica is, and its hybrid logical clock.
CREATE TABLE replica (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    replica_id  TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    clock       TEXT,                           -- latest timestamp issued or observed
    max_drift   INTEGER NOT NULL DEFAULT 300000,-- milliseconds a remote clock may be ahead
    created_at  INTEGER NOT NULL                -- milliseconds since 1970
);

-- The operation log. `seq` is local: the order this replica applied operations in, and
-- the cursor of `annot changes --since`. `hlc` is the global id (idempotence key).
CREATE TABLE operations (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    hlc         TEXT NOT NULL UNIQUE,
    changeset   TEXT NOT NULL,                  -- hlc of the changeset's first operation
    author      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    article     TEXT,                           -- the article it concerns, for `annot log ID`
    subject     TEXT,                           -- the note or highlight it concerns
    payload     TEXT NOT NULL,                  -- the canonical wire JSON of the operation
    origin      TEXT NOT NULL CHECK (origin IN ('local', 'file', 'server')),
    received_at INTEGER NOT NULL                -- milliseconds since 1970
);
CREATE INDEX operations_by_article ON operations (article, seq) WHERE article IS NOT NULL;
CREATE INDEX operations_by_subject ON operations (subject, seq) WHERE subject IS NOT NULL;
CREATE INDEX operations_by_changeset ON operations (changeset);

-- Every distinct text imported under an article id, with its earliest import.
CREATE TABLE article_imports (
    hlc         TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    author      TEXT NOT NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    text_hash   TEXT NOT NULL
);
CREATE UNIQUE INDEX article_imports_by_text ON article_imports (article, text_hash);

-- The article as the earliest import defines it (see ArticleResolution).
-- A rowid table: `article_search` indexes it by rowid.
CREATE TABLE articles (
    id          TEXT NOT NULL UNIQUE,
    hlc         TEXT NOT NULL,                  -- the defining import
    author      TEXT NOT NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL
);

-- Tags: an observed-remove set. An addition is live until a removal names it.
CREATE TABLE tag_additions (
    hlc         TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    author      TEXT NOT NULL,
    live        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tag_additions_live_by_article ON tag_additions (article, tag) WHERE live = 1;
CREATE INDEX tag_additions_live_by_tag ON tag_additions (tag, article) WHERE live = 1;
CREATE INDEX tag_additions_by_article_tag ON tag_additions (article, tag);

-- Removals may arrive before the additions they cancel: remember them.
CREATE TABLE tag_tombstones (
    addition    TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Notes: a multi-value register per note (see NoteResolution).
CREATE TABLE note_versions (
    hlc         TEXT PRIMARY KEY,
    note        TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT,                           -- NULL: this version deletes the note
    superseded  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX note_versions_heads ON note_versions (note) WHERE superseded = 0;

-- Versions named in an edit's or delete's base; may arrive before the version itself.
CREATE TABLE note_supersessions (
    version     TEXT PRIMARY KEY
) WITHOUT ROWID;

-- One row per created note, with its state resolved from the heads. A rowid table:
-- `note_search` indexes it by rowid.
CREATE TABLE notes (
    id          TEXT NOT NULL UNIQUE,
    article     TEXT NOT NULL,
    highlight   TEXT,
    author      TEXT NOT NULL,
    created     TEXT NOT NULL,                  -- hlc of the creation
    body        TEXT,                           -- the winning head's text; NULL when deleted
    updated     TEXT,
    updated_by  TEXT,
    deleted     INTEGER NOT NULL DEFAULT 0,
    conflicted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notes_by_article ON notes (article, created);
CREATE INDEX notes_conflicted ON notes (created) WHERE conflicted = 1;

CREATE TABLE highlights (
    id          TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    author      TEXT NOT NULL,
    created     TEXT NOT NULL,
    exact       TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    suffix      TEXT NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX highlights_by_article ON highlights (article, start);

-- Deletions may arrive before the highlight they delete.
CREATE TABLE highlight_deletions (
    highlight   TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Full-text search. Article text is large and immutable: index it in place (external
-- content). Note bodies are small and change: keep their own copy.
CREATE VIRTUAL TABLE article_search USING fts5 (
    title, text,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE note_search USING fts5 (
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Sync bookkeeping, one row per remote (the server, for now only 'origin').
CREATE TABLE remotes (
    name            TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    token           TEXT NOT NULL,
    pull_cursor     INTEGER NOT NULL DEFAULT 0, -- server sequence received up to
    push_cursor     INTEGER NOT NULL DEFAULT 0, -- local operations.seq pushed up to
    last_sync_at    INTEGER,                    -- milliseconds since 1970 of the last full sync
    last_error      TEXT
) WITHOUT ROWID;
