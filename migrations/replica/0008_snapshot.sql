-- Snapshots (docs/protocol.md §16): a replica may start from a snapshot of the server's
-- state instead of replaying the log. It records which one, since the state up to the
-- snapshot's cursor is the server's word: the JSON of the snapshot's manifest, with the
-- server's URL and when it was installed. NULL for a replica that replayed everything.
-- A local setting: it is never synced.
ALTER TABLE replica ADD COLUMN snapshot TEXT;
