@schema
@@MIGRATIONS@@
@all
INSERT INTO operations (hlc, changeset, author, kind, article, subject, payload, origin, received_at) VALUES (:hlc, :cs, :author, :kind, :article, :subject, :payload, 'server', 1234567) ON CONFLICT (hlc) DO NOTHING
@tag.add
INSERT INTO tag_additions (hlc, article, tag, author, live) VALUES (:hlc, :article, :value, :author, 1) ON CONFLICT (hlc) DO UPDATE SET article = excluded.article, tag = excluded.tag, author = excluded.author
@tag.remove
INSERT INTO tag_additions (hlc, live) VALUES (:ref, 0) ON CONFLICT (hlc) DO UPDATE SET live = 0
@note.create
INSERT INTO notes (id, article, highlight, author, created) VALUES (:subject, :article, NULL, :author, :hlc) ON CONFLICT (id) DO NOTHING
;;
INSERT INTO note_versions (hlc, note, author, body, superseded, arrived) VALUES (:hlc, :subject, :author, :value, 0, 1) ON CONFLICT (hlc) DO UPDATE SET note = excluded.note, author = excluded.author, body = excluded.body, arrived = 1
;;
INSERT INTO note_search (rowid, body) VALUES ((SELECT rowid FROM note_versions WHERE hlc = :hlc), :value)
@note.edit
INSERT INTO note_versions (hlc, superseded, arrived) VALUES (:ref, 1, 0) ON CONFLICT (hlc) DO UPDATE SET superseded = 1
;;
INSERT INTO note_versions (hlc, note, author, body, superseded, arrived) VALUES (:hlc, :subject, :author, :value, 0, 1) ON CONFLICT (hlc) DO UPDATE SET note = excluded.note, author = excluded.author, body = excluded.body, arrived = 1
;;
INSERT INTO note_search (rowid, body) VALUES ((SELECT rowid FROM note_versions WHERE hlc = :hlc), :value)
