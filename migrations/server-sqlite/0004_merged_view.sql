-- The server's merged view of the corpus, kept in the store (docs/protocol.md §7): what the
-- read endpoints serve, updated after each push from the operations it brought, so that a
-- restart replays nothing and memory does not grow with the corpus. Never edit once shipped.
--
-- Each operation is about pieces of the corpus (SyncCore's CorpusEntity: an article, a
-- coding, a note, a highlight, a code, a status, a decision); the view resolves again only
-- the pieces a push touched, from their own operations, with the reference merge.

-- How far the view has followed the log.
CREATE TABLE view_head (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    cursor      INTEGER NOT NULL
);
INSERT INTO view_head (singleton, cursor) VALUES (1, 0);

-- Which operations (by seq) are about which piece (CorpusEntity.key).
CREATE TABLE view_entity_operations (
    entity      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (entity, seq)
) WITHOUT ROWID;

-- Articles as the earliest import defines them; `element` is the article's object in the
-- export (CorpusSnapshot.Article, canonical JSON). A rowid table: `view_article_search`
-- indexes it by rowid.
CREATE TABLE view_articles (
    id          TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    element     TEXT NOT NULL
);
CREATE VIRTUAL TABLE view_article_search USING fts5 (
    title, text,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Live notes, with the export's object. A rowid table for `view_note_search`.
CREATE TABLE view_notes (
    id          TEXT NOT NULL UNIQUE,
    article     TEXT NOT NULL,
    author      TEXT NOT NULL,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    body        TEXT NOT NULL,
    element     TEXT NOT NULL
);
CREATE INDEX view_notes_by_article ON view_notes (article, updated);
CREATE INDEX view_notes_by_author ON view_notes (author, updated);
CREATE INDEX view_notes_by_updated ON view_notes (updated);
CREATE INDEX view_notes_by_created ON view_notes (created);
CREATE VIRTUAL TABLE view_note_search USING fts5 (
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Live highlights, with the export's object.
CREATE TABLE view_highlights (
    id          TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    created     TEXT NOT NULL,
    element     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX view_highlights_by_article ON view_highlights (article);
CREATE INDEX view_highlights_by_created ON view_highlights (created);

-- Codings with a live addition ('' highlight: the whole article). `counts` is 1 while the
-- coding is in the merged state: always for a whole article, and for a span while its
-- highlight is live on the same article.
CREATE TABLE view_codings (
    article     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    highlight   TEXT NOT NULL,
    counts      INTEGER NOT NULL,
    PRIMARY KEY (article, tag, highlight)
) WITHOUT ROWID;
CREATE INDEX view_codings_by_tag ON view_codings (tag, article) WHERE counts = 1;
CREATE INDEX view_codings_by_highlight ON view_codings (highlight) WHERE highlight <> '';

-- Every code named, placed in the codebook (SyncCore's CodebookResolver) from each
-- code's winning name version (winner_*, all NULL when never renamed), with its memo and
-- the name and memo versions that lost (JSON arrays, as in the export).
CREATE TABLE view_codes (
    id              TEXT PRIMARY KEY,
    created         TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    winner_hlc      TEXT,
    winner_author   TEXT,
    winner_parent   TEXT,
    winner_label    TEXT,
    winner_into     TEXT,
    link            TEXT,
    path            TEXT NOT NULL,
    representative  TEXT NOT NULL,
    memo            TEXT,
    name_conflicts  TEXT NOT NULL,
    memo_conflicts  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX view_codes_by_path ON view_codes (path);
CREATE INDEX view_codes_by_link ON view_codes (link);

-- Each user's status of each article they marked.
CREATE TABLE view_statuses (
    article     TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    done        INTEGER NOT NULL,
    updated     TEXT NOT NULL,
    PRIMARY KEY (article, user_name)
) WITHOUT ROWID;

-- Standing decisions ('' highlight: the whole article), with the export's object.
CREATE TABLE view_decisions (
    article     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    highlight   TEXT NOT NULL,
    element     TEXT NOT NULL,
    PRIMARY KEY (article, tag, highlight)
) WITHOUT ROWID;
