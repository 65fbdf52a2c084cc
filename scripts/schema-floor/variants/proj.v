@schema
CREATE TABLE tag_by_article (article TEXT, tag TEXT, hlc TEXT, PRIMARY KEY (article, tag, hlc)) WITHOUT ROWID;
CREATE TABLE tag_by_tag (tag TEXT, article TEXT, hlc TEXT, PRIMARY KEY (tag, article, hlc)) WITHOUT ROWID;
CREATE TABLE versions (note TEXT, hlc TEXT, seq INTEGER, PRIMARY KEY (note, hlc)) WITHOUT ROWID;
CREATE TABLE by_article (article TEXT, seq INTEGER, PRIMARY KEY (article, seq)) WITHOUT ROWID;
@end
INSERT INTO tag_by_article SELECT article, value, hlc FROM log WHERE seq > 0 AND kind = 'tag.add' ORDER BY 1, 2, 3;
INSERT INTO tag_by_tag SELECT value, article, hlc FROM log WHERE seq > 0 AND kind = 'tag.add' ORDER BY 1, 2, 3;
INSERT INTO versions SELECT subject, hlc, seq FROM log WHERE seq > 0 AND subject IS NOT NULL ORDER BY 1, 2;
INSERT INTO by_article SELECT article, seq FROM log WHERE seq > 0 AND article IS NOT NULL ORDER BY 1, 2;
INSERT INTO note_search (rowid, value) SELECT seq, value FROM log WHERE seq > 0 AND kind IN ('note.create', 'note.edit');
