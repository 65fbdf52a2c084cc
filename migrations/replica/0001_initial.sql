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
-- Few indexes on purpose: every one is paid on every operation applied.
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

-- The article as the earliest import defines it (see ArticleResolution). A rowid table:
-- `article_search` indexes it by rowid.
CREATE TABLE articles (
    id          TEXT NOT NULL UNIQUE,
    hlc         TEXT NOT NULL,                  -- the defining import
    author      TEXT NOT NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL
);

-- Tags: an observed-remove set. An addition is live until a removal names it. A removal
-- that arrives before the addition it cancels leaves a placeholder row (article NULL,
-- live 0) that the addition fills in when it comes, staying dead.
CREATE TABLE tag_additions (
    hlc         TEXT PRIMARY KEY,
    article     TEXT,
    tag         TEXT,
    author      TEXT,
    live        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tag_additions_live_by_article ON tag_additions (article, tag) WHERE live = 1;
CREATE INDEX tag_additions_live_by_tag ON tag_additions (tag) WHERE live = 1;

-- Notes: who created each note, on what (facts that never change).
CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    highlight   TEXT,
    author      TEXT NOT NULL,
    created     TEXT NOT NULL                   -- hlc of the creation
) WITHOUT ROWID;
CREATE INDEX notes_by_article ON notes (article);

-- Note versions: a multi-value register per note (see NoteResolution). The versions no
-- other version superseded are the note's heads; reads resolve them with SyncCore's rule.
-- A supersession that arrives before its version leaves a placeholder (arrived 0).
-- A rowid table: `note_search` indexes bodies by rowid.
CREATE TABLE note_versions (
    hlc         TEXT NOT NULL UNIQUE,
    note        TEXT,
    author      TEXT,
    body        TEXT,                           -- NULL: this version deletes the note
    superseded  INTEGER NOT NULL,
    arrived     INTEGER NOT NULL
);
CREATE INDEX note_versions_heads ON note_versions (note) WHERE superseded = 0 AND arrived = 1;

-- Highlights. A deletion that arrives first leaves a placeholder (article NULL, deleted 1).
CREATE TABLE highlights (
    id          TEXT PRIMARY KEY,
    article     TEXT,
    author      TEXT,
    created     TEXT,
    exact       TEXT,
    prefix      TEXT,
    suffix      TEXT,
    start       INTEGER,
    "end"       INTEGER,
    deleted     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX highlights_by_article ON highlights (article) WHERE deleted = 0;

-- Full-text search. Article text is large and immutable: index it in place (external
-- content). Every note version's body is indexed once, when it arrives (rowid = the
-- version's rowid); searches keep only hits on current heads, so nothing is ever deleted.
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
