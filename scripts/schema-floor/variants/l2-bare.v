@schema
CREATE TABLE log (seq INTEGER PRIMARY KEY, hlc TEXT NOT NULL UNIQUE, changeset TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL, article TEXT, subject TEXT, value TEXT, refs TEXT, extra TEXT, origin TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE cancelled (hlc TEXT PRIMARY KEY) WITHOUT ROWID;
@all
INSERT INTO log (hlc, changeset, author, kind, article, subject, value, refs, origin, received_at) VALUES (:hlc, :cs, :author, :kind, :article, :subject, :value, :ref, 'server', 1234567) ON CONFLICT (hlc) DO NOTHING
@tag.remove
INSERT INTO cancelled (hlc) VALUES (:ref) ON CONFLICT DO NOTHING
@note.edit
INSERT INTO cancelled (hlc) VALUES (:ref) ON CONFLICT DO NOTHING
