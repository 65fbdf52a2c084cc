-- The server's merged view of the corpus, kept in the store (docs/protocol.md §7): what the
-- read endpoints of every instance serve, updated after each push from the operations it
-- brought, so that a restart replays nothing and memory does not grow with the corpus.
-- The same tables as migrations/server-sqlite/0004_merged_view.sql; text compared in
-- byte order (COLLATE "C") so that pages and the export come in the order the merge model
-- sorts them. Never edit once shipped.

-- How far the view has followed the log; an instance updating the view locks this row.
CREATE TABLE view_head (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    cursor      BIGINT NOT NULL
);
INSERT INTO view_head (singleton, cursor) VALUES (1, 0);

-- Which operations (by seq) are about which piece (CorpusEntity.key).
CREATE TABLE view_entity_operations (
    entity      TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (entity, seq)
);

-- Articles as the earliest import defines them; `element` is the export's object.
CREATE TABLE view_articles (
    id          TEXT COLLATE "C" PRIMARY KEY,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    element     TEXT NOT NULL
);
CREATE INDEX view_articles_search ON view_articles USING gin (to_tsvector('simple', title || ' ' || text));

-- Live notes, with the export's object.
CREATE TABLE view_notes (
    id          TEXT COLLATE "C" PRIMARY KEY,
    article     TEXT COLLATE "C" NOT NULL,
    author      TEXT COLLATE "C" NOT NULL,
    created     TEXT COLLATE "C" NOT NULL,
    updated     TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    element     TEXT NOT NULL
);
CREATE INDEX view_notes_by_article ON view_notes (article, updated);
CREATE INDEX view_notes_by_author ON view_notes (author, updated);
CREATE INDEX view_notes_by_updated ON view_notes (updated);
CREATE INDEX view_notes_by_created ON view_notes (created);
CREATE INDEX view_notes_search ON view_notes USING gin (to_tsvector('simple', body));

-- Live highlights, with the export's object.
CREATE TABLE view_highlights (
    id          TEXT COLLATE "C" PRIMARY KEY,
    article     TEXT COLLATE "C" NOT NULL,
    created     TEXT COLLATE "C" NOT NULL,
    element     TEXT NOT NULL
);
CREATE INDEX view_highlights_by_article ON view_highlights (article);
CREATE INDEX view_highlights_by_created ON view_highlights (created);

-- Codings with a live addition ('' highlight: the whole article); `counts` is 1 while the
-- coding is in the merged state (a span's highlight live on the same article).
CREATE TABLE view_codings (
    article     TEXT COLLATE "C" NOT NULL,
    tag         TEXT COLLATE "C" NOT NULL,
    highlight   TEXT COLLATE "C" NOT NULL,
    counts      INTEGER NOT NULL,
    PRIMARY KEY (article, tag, highlight)
);
CREATE INDEX view_codings_by_tag ON view_codings (tag, article) WHERE counts = 1;
CREATE INDEX view_codings_by_highlight ON view_codings (highlight) WHERE highlight <> '';

-- Every code named, placed in the codebook, with its registers.
CREATE TABLE view_codes (
    id              TEXT COLLATE "C" PRIMARY KEY,
    created         TEXT COLLATE "C" NOT NULL,
    created_by      TEXT NOT NULL,
    winner_hlc      TEXT,
    winner_author   TEXT,
    winner_parent   TEXT,
    winner_label    TEXT,
    winner_into     TEXT,
    link            TEXT COLLATE "C",
    path            TEXT COLLATE "C" NOT NULL,
    representative  TEXT COLLATE "C" NOT NULL,
    memo            TEXT,
    name_conflicts  TEXT NOT NULL,
    memo_conflicts  TEXT NOT NULL
);
CREATE INDEX view_codes_by_path ON view_codes (path);
CREATE INDEX view_codes_by_link ON view_codes (link);

-- Each user's status of each article they marked.
CREATE TABLE view_statuses (
    article     TEXT COLLATE "C" NOT NULL,
    user_name   TEXT COLLATE "C" NOT NULL,
    done        BOOLEAN NOT NULL,
    updated     TEXT NOT NULL,
    PRIMARY KEY (article, user_name)
);

-- Standing decisions ('' highlight: the whole article), with the export's object.
CREATE TABLE view_decisions (
    article     TEXT COLLATE "C" NOT NULL,
    tag         TEXT COLLATE "C" NOT NULL,
    highlight   TEXT COLLATE "C" NOT NULL,
    element     TEXT NOT NULL,
    PRIMARY KEY (article, tag, highlight)
);
