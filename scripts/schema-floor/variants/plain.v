@schema
CREATE TABLE plain (id TEXT PRIMARY KEY, author TEXT NOT NULL, kind TEXT NOT NULL, article TEXT, value TEXT);
@all
INSERT INTO plain VALUES (:hlc, :author, :kind, :article, :value)
