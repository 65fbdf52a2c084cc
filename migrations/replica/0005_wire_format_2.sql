-- Wire format 2: signed changesets, content-addressed operations, scoped facts.
--
-- A replica made before this migration holds format-1 operations, which are unsigned;
-- it keeps `format = 1` and annot refuses to sync it, saying how to carry its work over
-- (docs/sync-model.md, "Upgrading from format 1"). New replicas are made with format 2.
ALTER TABLE replica ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
-- The replica's Ed25519 private key (its 32-byte seed, hex). It never leaves this file.
ALTER TABLE replica ADD COLUMN signing_key TEXT;

-- The content id of each operation: the SHA-256 of its canonical JSON (`payload`). The
-- timestamp stays the ordering key and stays unique: two operations with one timestamp
-- and different ids are a collision, refused.
ALTER TABLE operations ADD COLUMN id TEXT;
-- `operations.changeset` holds the changeset's id (the SHA-256 of what its replica signed).

-- Whether the server is known to hold the operation: set when it came from the server, or
-- when a pull brought this replica's own operation back. After a pull that reached the end,
-- an operation of this user that was pushed but is not echoed was lost by the server (it
-- was restored from a backup): it is pushed again. What `annot sync` must push is this
-- user's operations that are not echoed, which the partial index below finds without
-- scanning what came from the server, the bulk of the log.
ALTER TABLE operations ADD COLUMN echoed INTEGER NOT NULL DEFAULT 1;
DROP INDEX operations_pending_push;
CREATE INDEX operations_unechoed ON operations (author, seq) WHERE echoed = 0;

-- Every changeset held, with what it takes to verify and relay it.
CREATE TABLE changesets (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,                  -- the signing replica's public key
    signature   TEXT NOT NULL,
    author      TEXT NOT NULL
) WITHOUT ROWID;

-- The key directory: which user each replica key belongs to. `self` is this replica's own
-- key; `server` bindings come from the sync server's directory; `trusted` ones were
-- accepted by hand (`annot key trust`), for teams that sync by file only.
CREATE TABLE keys (
    key         TEXT PRIMARY KEY,
    replica     TEXT NOT NULL UNIQUE,
    user_name   TEXT NOT NULL,
    role        TEXT,                           -- the user's role, when the server said
    source      TEXT NOT NULL CHECK (source IN ('self', 'server', 'trusted')),
    added_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Changesets received whose key the directory does not know yet (or whose import the
-- directory does not allow): verified, but not applied until their key is known.
CREATE TABLE held_changesets (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,
    author      TEXT NOT NULL,
    document    TEXT NOT NULL,                  -- the changeset alone, as a changes document
    reason      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    received_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Scoped facts. A removal cancels an addition only of the same (article, tag); an edit or
-- deletion supersedes a version only of the same note. Each is recorded whether or not
-- its target has arrived; the target checks for it when it does.
CREATE TABLE tag_tombstones (
    addition    TEXT NOT NULL,
    article     TEXT NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (addition, article, tag)
) WITHOUT ROWID;
CREATE TABLE note_supersessions (
    version     TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (version, note)
) WITHOUT ROWID;

-- The content id of the operation at the pull cursor: a server restored from a backup
-- holds another operation there (or none), which the next pull detects.
ALTER TABLE remotes ADD COLUMN cursor_operation TEXT;

-- This user's changesets that the server refused for good (an import by a user who may not
-- import, a collision, a key bound to someone else): they stay in the replica, are listed
-- by `annot status` with the server's reason, and are not sent again, so one refused
-- changeset never stops the rest from syncing.
CREATE TABLE refused_changesets (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    refused_at  INTEGER NOT NULL
) WITHOUT ROWID;
