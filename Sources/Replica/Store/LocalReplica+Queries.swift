import Foundation
import GRDB
import SyncCore

extension LocalReplica {
    /// The articles, by id, optionally only those coded with `tag` or a code below it
    /// (`--tag talks` also lists articles coded `talks/doha`), as a whole or on a span.
    /// Codes are found by their current path, whatever id they have. With `todo`, only the
    /// articles this replica's user has not marked done. In blind mode, codes, notes and
    /// highlights are this user's only.
    public func articles(tagged tag: String? = nil, todo: Bool = false) throws(ReplicaError) -> [ArticleSummary] {
        let path = try tag.map { (text: String) throws(ReplicaError) in try Self.codePath(text) }
        return try ReplicaError.guarded {
            try database.read { db in
                let viewer = try Self.viewer(db)
                let mine = { (column: String) in Self.only(viewer, column) }
                var arguments: StatementArguments = []
                var spanFilter = ""
                var conditions: [String] = []
                if let path {
                    // The codes in the subtree, by the `codes_by_path` index.
                    let subtree = "SELECT id FROM codes WHERE path = :path OR (path > :low AND path < :high)"
                    spanFilter = " AND t.tag IN (\(subtree))"
                    conditions.append(
                        """
                        a.id IN (SELECT t.article FROM tag_additions t
                            LEFT JOIN highlights h ON h.id = t.highlight
                            WHERE t.live = 1 AND t.tag IN (\(subtree))\(mine("t.author"))
                                AND (t.highlight IS NULL OR (h.deleted = 0 AND h.article = t.article)))
                        """)
                    arguments = ["path": path, "low": path + "/", "high": path + "0"]
                }
                if todo {
                    let user = try Self.identity(db, path: self.path).user.rawValue
                    conditions.append(
                        "a.id NOT IN (SELECT article FROM coding_status WHERE done = 1\(Self.only(user, "author")))")
                }
                let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
                let sql = """
                    SELECT a.id, a.title, length(a.text) AS characters,
                        (SELECT group_concat(path, char(10)) FROM
                            (SELECT DISTINCT c.path FROM tag_additions t JOIN codes c ON c.id = t.tag
                             WHERE t.article = a.id AND t.live = 1 AND t.highlight IS NULL\(mine("t.author"))
                             ORDER BY c.path)) AS tags,
                        (SELECT count(DISTINCT n.id) FROM notes n JOIN note_versions v
                            ON v.note = n.id AND v.superseded = 0 AND v.arrived = 1 AND v.body IS NOT NULL
                            WHERE n.article = a.id\(mine("n.author"))) AS notes,
                        (SELECT count(*) FROM highlights h WHERE h.article = a.id AND h.deleted = 0\(mine("h.author"))) AS highlights,
                        (SELECT count(*) FROM highlights h WHERE h.article = a.id AND h.deleted = 0
                            AND EXISTS (SELECT 1 FROM tag_additions t
                                WHERE t.highlight = h.id AND t.live = 1 AND t.article = h.article\(spanFilter)\(mine("t.author")))) AS spans
                    FROM articles a\(filter) ORDER BY a.id
                    """
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    ArticleSummary(
                        id: row["id"], title: row["title"],
                        tags: (row["tags"] as String?)?.split(separator: "\n").map(String.init) ?? [],
                        notes: row["notes"], highlights: row["highlights"], spans: row["spans"], characters: row["characters"])
                }
            }
        }
    }

    /// Everything about one article.
    public func article(_ prefix: String) throws(ReplicaError) -> ArticleDetail {
        try ReplicaError.guarded {
            try database.read { db in
                let id = try Self.article(prefix, db)
                let row = try Row.fetchOne(db, sql: "SELECT * FROM articles WHERE id = ?", arguments: [id])!
                let viewer = try Self.viewer(db)
                return ArticleDetail(
                    id: id, title: row["title"], text: row["text"], importedBy: row["author"], imported: row["hlc"],
                    tags: try Self.tags(of: id, viewer: viewer, db), notes: try Self.notes(article: id, viewer: viewer, db),
                    highlights: try Self.highlights(article: id, viewer: viewer, db))
            }
        }
    }

    /// The codes on an article as a whole, by path.
    static func tags(of article: String, viewer: String? = nil, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT c.path FROM tag_additions t JOIN codes c ON c.id = t.tag
                WHERE t.article = ? AND t.live = 1 AND t.highlight IS NULL\(only(viewer, "t.author")) ORDER BY c.path
                """,
            arguments: [article])
    }

    /// The codebook as a tree: every code in use (and each code above one), by path, with
    /// the number of articles coded with it as a whole and of spans coded with it.
    public func tags() throws(ReplicaError) -> [TagCount] {
        try ReplicaError.guarded {
            try database.read { db in
                try Self.codeCounts(viewer: try Self.viewer(db), db).map {
                    TagCount(tag: $0.key, articles: $0.value.articles, spans: $0.value.spans)
                }
            }
        }
    }

    /// Live notes, of one article or of all, oldest first.
    public func notes(article prefix: String? = nil) throws(ReplicaError) -> [NoteRecord] {
        try ReplicaError.guarded {
            try database.read { db in
                let article = try prefix.map { try Self.article($0, db) }
                return try Self.notes(article: article, viewer: try Self.viewer(db), db)
            }
        }
    }

    static func notes(article: String?, viewer: String? = nil, _ db: Database) throws -> [NoteRecord] {
        try NoteStore.resolved(article: article, db).filter { viewer == nil || $0.author == viewer }.map { note in
            let winner = note.resolution.winner!
            return NoteRecord(
                id: note.id, article: note.article, highlight: note.highlight, replyTo: note.replyTo, author: note.author,
                created: note.created, body: winner.body!, updated: winner.timestamp.description,
                updatedBy: winner.author.rawValue, conflicted: note.resolution.isConflicted)
        }
    }

    static func highlights(article: String, viewer: String? = nil, _ db: Database) throws -> [HighlightRecord] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT h.*, (SELECT group_concat(path, char(10)) FROM
                    (SELECT DISTINCT c.path FROM tag_additions t JOIN codes c ON c.id = t.tag
                     WHERE t.highlight = h.id AND t.article = h.article AND t.live = 1\(only(viewer, "t.author"))
                     ORDER BY c.path)) AS tags
                FROM highlights h WHERE h.article = ? AND h.deleted = 0\(only(viewer, "h.author")) ORDER BY h.start, h.id
                """, arguments: [article]
        ).map { row in
            HighlightRecord(
                id: row["id"], article: row["article"], author: row["author"], created: row["created"],
                exact: row["exact"], prefix: row["prefix"], suffix: row["suffix"], start: row["start"], end: row["end"],
                tags: (row["tags"] as String?)?.split(separator: "\n").map(String.init) ?? [])
        }
    }

    /// Full-text search over article titles, article text and note bodies.
    ///
    /// Each word of `query` must appear (in any form that differs only by case or accents);
    /// with `raw`, `query` is passed to SQLite FTS5 as it is (`taliban NEAR(doha)`, `"peace talks"`).
    public func search(_ query: String, raw: Bool = false, limit: Int = 50) throws(ReplicaError) -> [SearchHit] {
        let match = raw ? query : Self.ftsQuery(query)
        guard !match.isEmpty else { return [] }
        do {
            return try ReplicaError.guarded {
                try database.read { db in
                    let articles = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT a.id, a.title, snippet(article_search, 1, '[', ']', '…', 12) AS snippet
                            FROM article_search JOIN articles a ON a.rowid = article_search.rowid
                            WHERE article_search MATCH ? ORDER BY rank LIMIT ?
                            """,
                        arguments: [match, limit]
                    ).map { SearchHit(kind: "article", article: $0["id"], title: $0["title"], note: nil, snippet: $0["snippet"]) }
                    // Every version is indexed; keep hits on current heads only.
                    let notes = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT n.id, n.article, coalesce(a.title, n.article) AS title,
                                snippet(note_search, 0, '[', ']', '…', 12) AS snippet
                            FROM note_search
                            JOIN note_versions v ON v.rowid = note_search.rowid AND v.superseded = 0
                            JOIN notes n ON n.id = v.note
                            LEFT JOIN articles a ON a.id = n.article
                            WHERE note_search MATCH ?\(Self.only(try Self.viewer(db), "n.author")) ORDER BY rank LIMIT ?
                            """,
                        arguments: [match, limit]
                    ).map { SearchHit(kind: "note", article: $0["article"], title: $0["title"], note: $0["id"], snippet: $0["snippet"]) }
                    return articles + notes
                }
            }
        } catch let error where raw {
            if case .storage(let message) = error {
                throw .invalid(.invalidValue(field: "search query", reason: message))
            }
            throw error
        }
    }

    /// Turns free text into an FTS5 query in which every word must match, so that no input
    /// can be an FTS5 syntax error.
    static func ftsQuery(_ text: String) -> String {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { "\"" + $0 + "\"" }
            .joined(separator: " ")
    }

    /// Who changed what, when: the operation log, newest first, of one article (including
    /// its notes and highlights) or of the whole replica.
    ///
    /// With `tag`, the history of a code instead: every rename, merge and memo of the codes
    /// now shown under that path (its names over time).
    public func log(article prefix: String? = nil, tag: String? = nil, limit: Int = 100) throws(ReplicaError) -> [LogEntry] {
        let path = try tag.map { (text: String) throws(ReplicaError) in try Self.codePath(text) }
        return try ReplicaError.guarded {
            try database.read { db in
                guard try Self.viewer(db) == nil else { throw ReplicaError.blind("the log") }
                var sql = "SELECT seq, hlc, author, kind, article, payload, origin, changeset FROM operations"
                var arguments: StatementArguments = []
                if let path {
                    let ids = try String.fetchAll(db, sql: "SELECT id FROM codes WHERE path = ?", arguments: [path])
                    guard !ids.isEmpty else { throw ReplicaError.unknownTag(path) }
                    sql += " WHERE kind IN ('tag.rename', 'tag.merge', 'tag.describe') AND subject IN (\(databaseQuestionMarks(count: ids.count)))"
                    arguments = StatementArguments(ids)
                } else if let prefix {
                    let article = try Self.article(prefix, db)
                    sql += """
                         WHERE article = ?1
                            OR subject IN (SELECT id FROM notes WHERE article = ?1)
                            OR subject IN (SELECT id FROM highlights WHERE article = ?1)
                        """
                    arguments = [article]
                }
                sql += " ORDER BY hlc DESC LIMIT \(max(1, limit))"
                // Codes by their current paths, read once each.
                var paths: [TagName: String] = [:]
                let lookup = try db.cachedStatement(sql: "SELECT path FROM codes WHERE id = ?")
                func naming(_ code: TagName) -> String {
                    if let known = paths[code] { return known }
                    let path = (try? String.fetchOne(lookup, arguments: [code.rawValue])) ?? code.rawValue
                    paths[code] = path
                    return path
                }
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let operation = try WireFormat.decodeOperation(row["payload"] as String)
                    return LogEntry(
                        seq: row["seq"], hlc: row["hlc"], time: Self.isoTime(operation.timestamp.milliseconds),
                        author: row["author"], kind: row["kind"], article: row["article"],
                        summary: operation.action.summary(naming: naming), origin: row["origin"], changeset: row["changeset"])
                }
            }
        }
    }

    static func isoTime(_ milliseconds: UInt64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return date.formatted(.iso8601)
    }

    /// Unreconciled concurrent note writes, and imports that conflicted with an article's text.
    public func conflicts() throws(ReplicaError) -> ConflictReport {
        try ReplicaError.guarded {
            try database.read { db in
                func version(_ v: NoteVersion) -> ConflictReport.Version {
                    .init(hlc: v.timestamp.description, author: v.author.rawValue, body: v.body)
                }
                let notes = try NoteStore.resolved(article: nil, db).filter(\.resolution.isConflicted).map { note in
                    ConflictReport.NoteConflict(
                        note: note.id, article: note.article, current: version(note.resolution.winner!),
                        others: note.resolution.losers.map(version))
                }
                let imports = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT i.article, i.hlc, i.author, i.title FROM article_imports i
                        JOIN articles a ON a.id = i.article WHERE i.hlc <> a.hlc ORDER BY i.article, i.hlc
                        """
                ).map { ConflictReport.ImportConflict(article: $0["article"], hlc: $0["hlc"], author: $0["author"], title: $0["title"]) }
                let (codes, memos) = try Self.codeConflicts(db)
                return ConflictReport(notes: notes, imports: imports, codes: codes, memos: memos)
            }
        }
    }

    /// The whole merged state, in canonical form: what `annot export` prints.
    public func snapshot() throws(ReplicaError) -> CorpusSnapshot {
        try ReplicaError.guarded {
            try database.read { db in
                let imports = try Row.fetchAll(db, sql: "SELECT * FROM article_imports ORDER BY article, hlc")
                var conflicting: [String: [CorpusSnapshot.ConflictingImport]] = [:]
                let winners = Set(try String.fetchAll(db, sql: "SELECT hlc FROM articles"))
                for row in imports where !winners.contains(row["hlc"]) {
                    conflicting[row["article"], default: []].append(
                        .init(
                            hlc: try Timestamp(parsing: row["hlc"]), author: try UserName(row["author"]),
                            title: row["title"], text: row["text"]))
                }
                let articles = try Row.fetchAll(db, sql: "SELECT * FROM articles").map { row in
                    CorpusSnapshot.Article(
                        id: try ArticleID(row["id"]), title: row["title"], text: row["text"],
                        importedBy: try UserName(row["author"]), imported: try Timestamp(parsing: row["hlc"]),
                        conflictingImports: conflicting[row["id"]] ?? [])
                }
                let tags = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT article, tag, NULL AS highlight FROM tag_additions
                            WHERE live = 1 AND article IS NOT NULL AND highlight IS NULL
                        UNION
                        SELECT DISTINCT t.article, t.tag, t.highlight FROM tag_additions t
                            JOIN highlights h ON h.id = t.highlight AND h.deleted = 0 AND h.article = t.article
                            WHERE t.live = 1
                        """
                ).map {
                    CorpusSnapshot.Tagging(
                        article: try ArticleID($0["article"]), tag: TagName(normalized: $0["tag"]),
                        highlight: try ($0["highlight"] as String?).map { try EntityID($0) })
                }
                let notes = try NoteStore.resolved(article: nil, db).map { note in
                    CorpusSnapshot.Note(
                        id: try EntityID(note.id), article: try ArticleID(note.article),
                        highlight: try note.highlight.map { try EntityID($0) },
                        replyTo: try note.replyTo.map { try EntityID($0) }, author: try UserName(note.author), created: try Timestamp(parsing: note.created),
                        resolution: note.resolution)
                }
                let highlights = try Row.fetchAll(db, sql: "SELECT * FROM highlights WHERE deleted = 0").map { row in
                    CorpusSnapshot.Highlight(
                        id: try EntityID(row["id"]), article: try ArticleID(row["article"]),
                        author: try UserName(row["author"]), created: try Timestamp(parsing: row["created"]),
                        selector: TextSelector(
                            exact: row["exact"], prefix: row["prefix"], suffix: row["suffix"], start: row["start"],
                            end: row["end"]))
                }
                let statuses = try Row.fetchAll(db, sql: "SELECT * FROM coding_status").map { row in
                    CorpusSnapshot.Status(
                        article: try ArticleID(row["article"]), user: try UserName(row["author"]), done: row["done"],
                        updated: try Timestamp(parsing: row["hlc"]))
                }
                let decisions = try DecisionStore.standing(db).map { CorpusSnapshot.Decision(key: $0.key, resolution: $0.resolution) }
                return CorpusSnapshot(
                    articles: articles, codes: try Self.snapshotCodes(db), tags: tags, notes: notes, highlights: highlights,
                    statuses: statuses, decisions: decisions)
            }
        }
    }
}
