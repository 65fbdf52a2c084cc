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

-- Every changeset accepted, with what it takes to verify and relay it.
CREATE TABLE changesets (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,
    signature   TEXT NOT NULL,
    author      TEXT NOT NULL
);

-- The key directory: each replica key (and the replica id derived from it) belongs to
-- the user who first proved holding it, by a signed claim or a signed push.
CREATE TABLE replica_keys (
    key         TEXT PRIMARY KEY,
    replica     TEXT NOT NULL UNIQUE,
    user_name   TEXT NOT NULL,
    bound_at    BIGINT NOT NULL
);
CREATE INDEX replica_keys_by_user ON replica_keys (user_name);

-- Roles gain `curator`: annotators code, curators may also import articles.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('reader', 'annotator', 'curator', 'admin'));
