-- Wire format 2: signed changesets, content-addressed operations, a key directory, and
-- the curator role. Never edit once shipped.

-- Which wire format the log holds. A store made before this migration that already holds
-- operations keeps format 1 (unsigned): syncd refuses to serve it, saying how to carry the
-- work over (docs/sync-model.md, "Upgrading from format 1").
CREATE TABLE store_format (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    format      INTEGER NOT NULL
);
INSERT INTO store_format (singleton, format)
    VALUES (1, CASE WHEN EXISTS (SELECT 1 FROM operations) THEN 1 ELSE 2 END);

-- The content id of each operation (SHA-256 of `payload`). `hlc` stays unique: another
-- operation with a held timestamp is a collision, refused with 409.
ALTER TABLE operations ADD COLUMN id TEXT;
-- `operations.changeset` holds the changeset's id: the SHA-256 of what its replica signed.

-- Every changeset accepted, with what it takes to verify and relay it.
CREATE TABLE changesets (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,
    signature   TEXT NOT NULL,
    author      TEXT NOT NULL
) WITHOUT ROWID;

-- The key directory: each replica key (and the replica id derived from it) belongs to
-- the user who first proved holding it, by a signed claim or a signed push.
CREATE TABLE replica_keys (
    key         TEXT PRIMARY KEY,
    replica     TEXT NOT NULL UNIQUE,
    user_name   TEXT NOT NULL,
    bound_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX replica_keys_by_user ON replica_keys (user_name);

-- Roles gain `curator`: annotators code, curators may also import articles. SQLite cannot
-- change a CHECK constraint, so the table is rebuilt with the same rows.
CREATE TABLE users_0003 (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('reader', 'annotator', 'curator', 'admin')),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) WITHOUT ROWID;
INSERT INTO users_0003 (name, role, token_hash, created_at, revoked_at)
    SELECT name, role, token_hash, created_at, revoked_at FROM users;
DROP TABLE users;
ALTER TABLE users_0003 RENAME TO users;
