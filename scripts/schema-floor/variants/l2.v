@schema
CREATE TABLE log (seq INTEGER PRIMARY KEY, hlc TEXT NOT NULL UNIQUE, changeset TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL, article TEXT, subject TEXT, value TEXT, refs TEXT, extra TEXT, origin TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE INDEX log_by_article ON log (article) WHERE article IS NOT NULL;
CREATE INDEX log_by_subject ON log (subject) WHERE subject IS NOT NULL;
CREATE INDEX log_tags ON log (value, article) WHERE kind = 'tag.add';
CREATE TABLE cancelled (hlc TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE note_search USING fts5 (value, content = 'log', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2');
@all
INSERT INTO log (hlc, changeset, author, kind, article, subject, value, refs, origin, received_at) VALUES (:hlc, :cs, :author, :kind, :article, :subject, :value, :ref, 'server', 1234567) ON CONFLICT (hlc) DO NOTHING
@tag.remove
INSERT INTO cancelled (hlc) VALUES (:ref) ON CONFLICT DO NOTHING
@note.create
INSERT INTO note_search (rowid, value) VALUES (last_insert_rowid(), :value)
@note.edit
INSERT INTO cancelled (hlc) VALUES (:ref) ON CONFLICT DO NOTHING
;;
INSERT INTO note_search (rowid, value) VALUES ((SELECT seq FROM log WHERE hlc = :hlc), :value)
