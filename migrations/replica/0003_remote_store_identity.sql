-- The identity of the server store the cursors of a remote belong to (see the server's
-- store_identity). NULL until the first pull that reports one.
ALTER TABLE remotes ADD COLUMN store_id TEXT;
