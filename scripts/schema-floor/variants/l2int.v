@schema
CREATE TABLE log (seq INTEGER PRIMARY KEY, hlc TEXT NOT NULL UNIQUE, changeset TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL, article INTEGER, subject TEXT, value TEXT, tag INTEGER, refs TEXT, extra TEXT, origin TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE INDEX log_by_article ON log (article) WHERE article IS NOT NULL;
CREATE INDEX log_by_subject ON log (subject) WHERE subject IS NOT NULL;
CREATE INDEX log_tags ON log (tag, article) WHERE tag IS NOT NULL;
CREATE TABLE cancelled (hlc TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE note_search USING fts5 (value, content = 'log', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2');
@all
INSERT INTO log (hlc, changeset, author, kind, article, subject, value, tag, refs, origin, received_at) VALUES (:hlc, :cs, :author, :kind, CAST(substr(:article, 1, 3) AS INTEGER), :subject, :value, CASE :kind WHEN 'tag.add' THEN CAST(substr(:value, 7) AS INTEGER) END, :ref, 'server', 1234567) ON CONFLICT (hlc) DO NOTHING
@tag.remove
INSERT INTO cancelled (hlc) VALUES (:ref) ON CONFLICT DO NOTHING
@note.create
INSERT INTO note_search (rowid, value) VALUES ((SELECT seq FROM log WHERE hlc = :hlc), :value)
@note.edit
INSERT INTO cancelled (hlc) VALUES (:ref) ON CONFLICT DO NOTHING
;;
INSERT INTO note_search (rowid, value) VALUES ((SELECT seq FROM log WHERE hlc = :hlc), :value)
