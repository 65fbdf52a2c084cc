-- Research workflows: coding status per user, the adjudicated layer, and blind mode
-- (docs/agreement.md, docs/sync-model.md "Agreement and adjudication").

-- Each user's latest status of each article (`article.status`): a last-writer-wins
-- register per article and author.
CREATE TABLE coding_status (
    article     TEXT NOT NULL,
    author      TEXT NOT NULL,
    hlc         TEXT NOT NULL,                  -- the operation that set it
    done        INTEGER NOT NULL,
    PRIMARY KEY (article, author)
) WITHOUT ROWID;
CREATE INDEX coding_status_done_by_author ON coding_status (author, article) WHERE done = 1;

-- Versions of each decision register (`tag.decide`), one per article, code and highlight
-- ('' for the whole article). decision NULL: a clearing. Like note versions: a
-- supersession that arrives before its version is recorded on its own.
CREATE TABLE decision_versions (
    hlc         TEXT PRIMARY KEY,
    article     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    highlight   TEXT NOT NULL,
    author      TEXT NOT NULL,
    decision    TEXT CHECK (decision IS NULL OR decision IN ('accept', 'reject')),
    superseded  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX decision_versions_heads ON decision_versions (article, tag, highlight) WHERE superseded = 0;
CREATE TABLE decision_supersessions (
    version     TEXT NOT NULL,
    article     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    highlight   TEXT NOT NULL,
    PRIMARY KEY (version, article, tag, highlight)
) WITHOUT ROWID;

-- Blind mode (`annot blind on`): views show only this replica's user's codes and notes.
-- A local setting: it is never synced.
ALTER TABLE replica ADD COLUMN blind INTEGER NOT NULL DEFAULT 0;
