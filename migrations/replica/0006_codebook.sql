-- The codebook: codes with stable ids (renames, moves, merges, memos), codes on spans,
-- replies to notes, and undo (docs/sync-model.md, "Codes").

-- A coding of a highlight (a coded span) names it; NULL codes the whole article.
ALTER TABLE tag_additions ADD COLUMN highlight TEXT;
CREATE INDEX tag_additions_live_by_highlight ON tag_additions (highlight) WHERE live = 1 AND highlight IS NOT NULL;

-- A removal of a span coding cancels additions only of the same code on the same highlight
-- (and article). Removals of article codings stay in `tag_tombstones`.
CREATE TABLE span_tombstones (
    addition    TEXT NOT NULL,
    article     TEXT NOT NULL,
    highlight   TEXT NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (addition, article, highlight, tag)
) WITHOUT ROWID;

-- A reply names the note it answers.
ALTER TABLE notes ADD COLUMN reply_to TEXT;
CREATE INDEX notes_by_parent ON notes (reply_to) WHERE reply_to IS NOT NULL;

-- Versions of each code's two registers: its name (`tag.rename`: parent and label;
-- `tag.merge`: into_tag) and its memo (`tag.describe`; memo NULL clears it). Like note
-- versions: a supersession that arrives before its version is recorded on its own, and the
-- version checks for it when it arrives.
CREATE TABLE code_versions (
    hlc         TEXT PRIMARY KEY,
    tag         TEXT NOT NULL,
    register    TEXT NOT NULL CHECK (register IN ('name', 'memo')),
    author      TEXT NOT NULL,
    parent      TEXT,
    label       TEXT,
    into_tag    TEXT,
    memo        TEXT,
    superseded  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX code_versions_heads ON code_versions (tag, register) WHERE superseded = 0;
CREATE TABLE code_supersessions (
    version     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    register    TEXT NOT NULL,
    PRIMARY KEY (version, tag, register)
) WITHOUT ROWID;

-- Every code named, and codes above them, placed by SyncCore's CodebookResolver: derived
-- state kept up to date by each changeset, so views read names without resolving history.
CREATE TABLE codes (
    id              TEXT PRIMARY KEY,
    created         TEXT NOT NULL,              -- hlc of the first operation naming it
    creator         TEXT NOT NULL,
    winner          TEXT,                       -- hlc of its winning name version, if renamed
    link            TEXT,                       -- the code its place derives from
    path            TEXT NOT NULL,
    representative  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX codes_by_link ON codes (link);
CREATE INDEX codes_by_path ON codes (path);
CREATE INDEX codes_by_representative ON codes (representative);

-- The codes of a replica made before this migration: every tag name in use and each name
-- above it, never renamed, so placed at their own names.
INSERT INTO codes (id, created, creator, winner, link, path, representative)
WITH RECURSIVE cut (hlc, author, rest, prefix, parent) AS (
    SELECT hlc, author, tag || '/', '', NULL FROM tag_additions WHERE tag IS NOT NULL AND author IS NOT NULL
    UNION ALL
    SELECT hlc, author, substr(rest, instr(rest, '/') + 1),
        CASE WHEN prefix = '' THEN '' ELSE prefix || '/' END || substr(rest, 1, instr(rest, '/') - 1),
        CASE WHEN prefix = '' THEN NULL ELSE prefix END
    FROM cut WHERE rest <> ''
)
SELECT prefix, min(hlc), author, NULL, parent, prefix, prefix FROM cut WHERE prefix <> '' GROUP BY prefix;

-- Changesets undone, with the hlc of the first `undo` that says so.
CREATE TABLE undone_changesets (
    changeset       TEXT PRIMARY KEY,
    undone_by       TEXT NOT NULL
) WITHOUT ROWID;
