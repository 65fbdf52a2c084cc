import Foundation
import NIOCore
import GRDB
import SyncCore

/// The merged view's tables in the embedded store (`migrations/server-sqlite/0004_merged_view.sql`).
extension SQLiteChangeStore {
    public func viewCursor() async throws -> Int64 {
        try await guarded { try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT cursor FROM view_head") ?? 0 } }
    }

    public func viewOperations(about entities: [String]) async throws -> [String: [String]] {
        try await guarded {
            try await pool.read { db in
                var operations: [String: [String]] = [:]
                for start in stride(from: 0, to: entities.count, by: 500) {
                    let chunk = Array(entities[start..<min(start + 500, entities.count)])
                    let rows = try Row.fetchCursor(
                        db,
                        sql: """
                            SELECT e.entity, o.payload FROM view_entity_operations e JOIN operations o ON o.seq = e.seq
                            WHERE e.entity IN (\(Self.placeholders(chunk.count)))
                            """, arguments: StatementArguments(chunk))
                    while let row = try rows.next() { operations[row[0], default: []].append(row[1]) }
                }
                return operations
            }
        }
    }

    public func viewCodes(_ ids: [TagName]?) async throws -> [TagName: ViewCode] {
        try await guarded {
            try await pool.read { db in
                var codes: [TagName: ViewCode] = [:]
                func read(_ sql: String, _ arguments: StatementArguments) throws {
                    let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                    while let row = try rows.next() {
                        let code = try Self.code(row)
                        codes[code.id] = code
                    }
                }
                if let ids {
                    let names = ids.map(\.rawValue)
                    for start in stride(from: 0, to: names.count, by: 500) {
                        let chunk = Array(names[start..<min(start + 500, names.count)])
                        try read("SELECT * FROM view_codes WHERE id IN (\(Self.placeholders(chunk.count)))", StatementArguments(chunk))
                    }
                } else {
                    try read("SELECT * FROM view_codes", [])
                }
                return codes
            }
        }
    }

    static func code(_ row: Row) throws -> ViewCode {
        ViewCode(
            id: TagName(normalized: row["id"]), created: try Timestamp(parsing: row["created"]), createdBy: try UserName(row["created_by"]),
            winner: try ViewCode.winner(
                hlc: row["winner_hlc"], author: row["winner_author"], parent: row["winner_parent"], label: row["winner_label"],
                into: row["winner_into"]),
            link: (row["link"] as String?).map(TagName.init(normalized:)), path: row["path"],
            representative: TagName(normalized: row["representative"]), memo: row["memo"],
            nameConflicts: try ViewCode.decode([CorpusSnapshot.CodeVersion].self, row["name_conflicts"]),
            memoConflicts: try ViewCode.decode([CorpusSnapshot.NoteConflict].self, row["memo_conflicts"]))
    }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }

    static func element<T: Encodable>(_ value: T) -> String { String(decoding: CanonicalDocument.encode(value), as: UTF8.self) }

    /// One process writes this store, and its ``MergedView`` runs one step at a time: the
    /// step is computed, then written with the cursor it was computed from checked again.
    public func viewStep(_ step: @escaping @Sendable (Int64) async throws -> (changes: ViewChanges, cursor: Int64)?) async throws -> MergedViewWrite {
        let from = try await viewCursor()
        guard let (changes, to) = try await step(from) else { return .caughtUp }
        return try await guarded {
            try await pool.write { db in
                // Moved meanwhile (it cannot, with one writer): the step is someone else's.
                guard try Int64.fetchOne(db, sql: "SELECT cursor FROM view_head") == from else { return .written }
                let about = try db.cachedStatement(sql: "INSERT INTO view_entity_operations (entity, seq) VALUES (?, ?) ON CONFLICT DO NOTHING")
                for (entity, seq) in changes.entityOperations { try about.execute(arguments: [entity, seq]) }
                for article in changes.articles {
                    let values: StatementArguments = [article.title, article.text, Self.element(article)]
                    if let rowid = try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM view_articles WHERE id = ?"), arguments: [article.id.rawValue]) {
                        try db.cachedStatement(sql: "UPDATE view_articles SET title = ?, text = ?, element = ? WHERE rowid = ?").execute(arguments: values + [rowid])
                        try db.cachedStatement(sql: "DELETE FROM view_article_search WHERE rowid = ?").execute(arguments: [rowid])
                        try db.cachedStatement(sql: "INSERT INTO view_article_search (rowid, title, text) VALUES (?, ?, ?)").execute(arguments: [rowid, article.title, article.text])
                    } else {
                        try db.cachedStatement(sql: "INSERT INTO view_articles (id, title, text, element) VALUES (?, ?, ?, ?)").execute(arguments: [article.id.rawValue] + values)
                        try db.cachedStatement(sql: "INSERT INTO view_article_search (rowid, title, text) VALUES (?, ?, ?)").execute(arguments: [db.lastInsertedRowID, article.title, article.text])
                    }
                }
                // Highlights before codings: a coded span counts while its highlight is live
                // on the same article.
                for (id, highlight) in changes.highlights {
                    if let highlight {
                        try db.cachedStatement(sql: """
                                INSERT INTO view_highlights (id, article, created, element) VALUES (?, ?, ?, ?)
                                ON CONFLICT (id) DO UPDATE SET article = excluded.article, created = excluded.created, element = excluded.element
                                """).execute(arguments: [id.rawValue, highlight.article.rawValue, highlight.created.description, Self.element(highlight)])
                    } else {
                        try db.cachedStatement(sql: "DELETE FROM view_highlights WHERE id = ?").execute(arguments: [id.rawValue])
                    }
                }
                for (coding, live) in changes.codings {
                    let values: StatementArguments = [coding.article.rawValue, coding.tag.rawValue, coding.highlight?.rawValue ?? ""]
                    if live {
                        try db.cachedStatement(
                            sql: """
                                INSERT INTO view_codings (article, tag, highlight, counts) VALUES (?1, ?2, ?3,
                                    ?3 = '' OR EXISTS (SELECT 1 FROM view_highlights WHERE id = ?3 AND article = ?1))
                                ON CONFLICT (article, tag, highlight) DO UPDATE SET counts = excluded.counts
                                """
                        ).execute(arguments: values)
                    } else {
                        try db.cachedStatement(sql: "DELETE FROM view_codings WHERE article = ? AND tag = ? AND highlight = ?")
                            .execute(arguments: values)
                    }
                }
                for id in changes.highlights.keys {
                    try db.cachedStatement(sql: """
                            UPDATE view_codings SET counts = EXISTS (SELECT 1 FROM view_highlights h
                                WHERE h.id = view_codings.highlight AND h.article = view_codings.article)
                            WHERE highlight = ?
                            """).execute(arguments: [id.rawValue])
                }
                for (id, note) in changes.notes {
                    let rowid = try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM view_notes WHERE id = ?"), arguments: [id.rawValue])
                    if let rowid {
                        try db.cachedStatement(sql: "DELETE FROM view_note_search WHERE rowid = ?").execute(arguments: [rowid])
                    }
                    guard let note else {
                        if let rowid { try db.cachedStatement(sql: "DELETE FROM view_notes WHERE rowid = ?").execute(arguments: [rowid]) }
                        continue
                    }
                    let values: StatementArguments = [
                        note.article.rawValue, note.author.rawValue, note.created.description, note.updated.description, note.body,
                        Self.element(note),
                    ]
                    if let rowid {
                        try db.cachedStatement(sql: "UPDATE view_notes SET article = ?, author = ?, created = ?, updated = ?, body = ?, element = ? WHERE rowid = ?").execute(arguments: values + [rowid])
                    } else {
                        try db.cachedStatement(sql: "INSERT INTO view_notes (article, author, created, updated, body, element, id) VALUES (?, ?, ?, ?, ?, ?, ?)").execute(arguments: values + [id.rawValue])
                    }
                    try db.cachedStatement(sql: "INSERT INTO view_note_search (rowid, body) VALUES (?, ?)").execute(arguments: [rowid ?? db.lastInsertedRowID, note.body])
                }
                for status in changes.statuses {
                    try db.cachedStatement(sql: """
                            INSERT INTO view_statuses (article, user_name, done, updated) VALUES (?, ?, ?, ?)
                            ON CONFLICT (article, user_name) DO UPDATE SET done = excluded.done, updated = excluded.updated
                            """).execute(arguments: [status.article.rawValue, status.user.rawValue, status.done, status.updated.description])
                }
                for (key, decision) in changes.decisions {
                    let values: StatementArguments = [key.article.rawValue, key.tag.rawValue, key.highlight?.rawValue ?? ""]
                    if let decision {
                        try db.cachedStatement(sql: """
                                INSERT INTO view_decisions (article, tag, highlight, element) VALUES (?, ?, ?, ?)
                                ON CONFLICT (article, tag, highlight) DO UPDATE SET element = excluded.element
                                """).execute(arguments: values + [Self.element(decision)])
                    } else {
                        try db.cachedStatement(sql: "DELETE FROM view_decisions WHERE article = ? AND tag = ? AND highlight = ?").execute(arguments: values)
                    }
                }
                for code in changes.codes {
                    let winner = code.winnerColumns
                    try db.cachedStatement(sql: """
                            INSERT OR REPLACE INTO view_codes (id, created, created_by, winner_hlc, winner_author, winner_parent,
                                winner_label, winner_into, link, path, representative, memo, name_conflicts, memo_conflicts)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """).execute(arguments: [
                            code.id.rawValue, code.created.description, code.createdBy.rawValue, code.winner?.timestamp.description,
                            code.winner?.author.rawValue, winner.parent, winner.label, winner.into, code.link?.rawValue, code.path,
                            code.representative.rawValue, code.memo, ViewCode.json(code.nameConflicts), ViewCode.json(code.memoConflicts),
                        ])
                }
                try db.cachedStatement(sql: "UPDATE view_head SET cursor = ?").execute(arguments: [to])
                return .written
            }
        }
    }

    // MARK: - Reads

    /// An FTS5 query requiring every word, each quoted (no query syntax from the client).
    static func match(_ text: String) -> String {
        ViewQuery.words(text).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }

    public func viewArticles(_ query: ViewQuery.Articles) async throws -> [SyncProtocol.ArticleListing] {
        try await guarded {
            try await pool.read { db in
                let after = query.after ?? ""
                var ids: [String]
                let codes = try query.tag.map { path in
                    try String.fetchAll(
                        db, sql: "SELECT id FROM view_codes WHERE path = ? OR (path > ? AND path < ?)", arguments: [path, path + "/", path + "0"])
                }
                if let text = query.text {
                    var sql = """
                        SELECT a.id FROM view_article_search s JOIN view_articles a ON a.rowid = s.rowid
                        WHERE view_article_search MATCH ? AND a.id > ?
                        """
                    var arguments: StatementArguments = [Self.match(text), after]
                    if let codes {
                        sql += """
                             AND EXISTS (SELECT 1 FROM view_codings c WHERE c.article = a.id AND c.counts = 1
                                AND c.tag IN (\(Self.placeholders(codes.count))))
                            """
                        arguments += StatementArguments(codes)
                    }
                    ids = try String.fetchAll(db, sql: sql + " ORDER BY a.id LIMIT ?", arguments: arguments + [query.limit])
                } else if let codes {
                    // Each code's own page from its index, merged: a page costs the codes in
                    // the subtree times the page, whatever the size of the history.
                    var merged = Set<String>()
                    for code in codes {
                        merged.formUnion(
                            try String.fetchAll(
                                db.cachedStatement(
                                    sql: "SELECT DISTINCT article FROM view_codings WHERE tag = ? AND counts = 1 AND article > ? ORDER BY article LIMIT ?"),
                                arguments: [code, after, query.limit]))
                    }
                    ids = Array(merged.sorted().prefix(query.limit))
                } else {
                    ids = try String.fetchAll(db, sql: "SELECT id FROM view_articles WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, query.limit])
                }
                return try ids.map { try Self.listing($0, db) }
            }
        }
    }

    static func listing(_ id: String, _ db: Database) throws -> SyncProtocol.ArticleListing {
        SyncProtocol.ArticleListing(
            id: id, title: try String.fetchOne(db.cachedStatement(sql: "SELECT title FROM view_articles WHERE id = ?"), arguments: [id]) ?? "",
            tags: try tags(of: id, db),
            notes: try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM view_notes WHERE article = ?"), arguments: [id]) ?? 0,
            highlights: try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM view_highlights WHERE article = ?"), arguments: [id]) ?? 0)
    }

    /// The codes on an article as a whole, by path.
    static func tags(of article: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT DISTINCT c.path FROM view_codings t JOIN view_codes c ON c.id = t.tag
                    WHERE t.article = ? AND t.highlight = '' ORDER BY c.path
                    """), arguments: [article])
    }

    public func viewArticle(_ prefix: String) async throws -> SyncProtocol.ArticleDetail {
        try await guarded {
            try await pool.read { db in
                let candidates = try String.fetchAll(
                    db, sql: "SELECT id FROM view_articles WHERE id >= ? ORDER BY id LIMIT 9", arguments: [prefix]
                ).filter { $0.hasPrefix(prefix) }
                let id = try ViewQuery.unique(prefix, among: candidates)
                let decoder = JSONDecoder()
                let element = try String.fetchOne(db, sql: "SELECT element FROM view_articles WHERE id = ?", arguments: [id]) ?? ""
                return SyncProtocol.ArticleDetail(
                    article: try decoder.decode(CorpusSnapshot.Article.self, from: Data(element.utf8)), tags: try Self.tags(of: id, db),
                    notes: try String.fetchAll(db, sql: "SELECT element FROM view_notes WHERE article = ? ORDER BY created", arguments: [id])
                        .map { try decoder.decode(CorpusSnapshot.Note.self, from: Data($0.utf8)) },
                    highlights: try String.fetchAll(
                        db, sql: "SELECT element FROM view_highlights WHERE article = ? ORDER BY created", arguments: [id]
                    ).map { try decoder.decode(CorpusSnapshot.Highlight.self, from: Data($0.utf8)) })
            }
        }
    }

    public func viewCodeCounts(after path: String?, limit: Int) async throws -> [SyncProtocol.CodeCount] {
        try await guarded {
            try await pool.read { db in
                var counts: [SyncProtocol.CodeCount] = []
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT path, id FROM view_codes WHERE path > ? ORDER BY path, id", arguments: [path ?? ""])
                var group: (path: String, ids: [String])?
                func flush() throws {
                    guard let current = group else { return }
                    let articles = try Int.fetchOne(
                        db,
                        sql: "SELECT count(DISTINCT article) FROM view_codings WHERE counts = 1 AND tag IN (\(Self.placeholders(current.ids.count)))",
                        arguments: StatementArguments(current.ids)) ?? 0
                    if articles > 0 { counts.append(SyncProtocol.CodeCount(tag: current.path, articles: articles)) }
                }
                while counts.count < limit, let row = try rows.next() {
                    let (path, id): (String, String) = (row[0], row[1])
                    if group?.path == path {
                        group?.ids.append(id)
                    } else {
                        try flush()
                        group = (path, [id])
                    }
                }
                if counts.count < limit { try flush() }
                return counts
            }
        }
    }

    public func viewNotes(_ query: ViewQuery.Notes) async throws -> [CorpusSnapshot.Note] {
        try await guarded {
            try await pool.read { db in
                var conditions = ["updated > ?"]
                var arguments: StatementArguments = [query.after ?? ""]
                if let article = query.article {
                    conditions.append("article = ?")
                    arguments += [article]
                }
                if let author = query.author {
                    conditions.append("author = ?")
                    arguments += [author]
                }
                if let since = query.since {
                    conditions.append("updated >= ?")
                    arguments += [since]
                }
                if let text = query.text {
                    conditions.append("rowid IN (SELECT rowid FROM view_note_search WHERE view_note_search MATCH ?)")
                    arguments += [Self.match(text)]
                }
                let decoder = JSONDecoder()
                return try String.fetchAll(
                    db, sql: "SELECT element FROM view_notes WHERE \(conditions.joined(separator: " AND ")) ORDER BY updated LIMIT ?",
                    arguments: arguments + [query.limit]
                ).map { try decoder.decode(CorpusSnapshot.Note.self, from: Data($0.utf8)) }
            }
        }
    }

    public func viewExport(chunkBytes: Int, _ write: (ByteBuffer) async throws -> Void) async throws {
        // One read transaction for the whole export (a WAL snapshot), read a page at a time.
        let snapshot = try await guarded { try pool.makeSnapshot() }
        // The export reads each page once: a small page cache per export is enough.
        try await guarded { try await snapshot.read { db in try db.execute(sql: "PRAGMA cache_size = -256") } }
        var writer = ExportWriter(chunkBytes: chunkBytes)
        try await writer.write(CanonicalDocument.opening, write)
        for list in CanonicalDocument.List.allCases {
            try await writer.open(list, write)
            var after: [DatabaseValue]?
            while true {
                let key = after
                let page = try await guarded {
                    try await snapshot.read { db in try Self.exportPage(list, after: key, db) }
                }
                for element in page.elements { try await writer.element(element.utf8, write) }
                guard let last = page.last else { break }
                after = last
            }
            try await writer.close(write)
        }
        try await writer.write(CanonicalDocument.closing, write)
        try await writer.flush(write)
    }

    /// One page of a list of the export, in canonical order, after the key `after`: up to 500
    /// rows, or fewer of at most 256 KiB of elements (at least one row).
    static func exportPage(
        _ list: CanonicalDocument.List, after: [DatabaseValue]?, _ db: Database
    ) throws -> (elements: [String], last: [DatabaseValue]?) {
        let page = 500
        let (columns, keys, table, filter): (String, [String], String, String) =
            switch list {
            case .articles: ("element", ["id"], "view_articles", "")
            case .codes: ("*", ["id"], "view_codes", "")
            case .decisions: ("element", ["article", "tag", "highlight"], "view_decisions", "")
            case .highlights: ("element", ["created"], "view_highlights", "")
            case .notes: ("element", ["created"], "view_notes", "")
            case .statuses: ("article, user_name, done, updated", ["article", "user_name"], "view_statuses", "")
            case .tags: ("article, tag, highlight", ["article", "tag", "highlight"], "view_codings", "counts = 1")
            }
        var conditions = filter.isEmpty ? [] : [filter]
        var arguments: StatementArguments = []
        if let after {
            conditions.append("(\(keys.joined(separator: ", "))) > (\(Self.placeholders(keys.count)))")
            arguments += StatementArguments(after)
        }
        let sql = """
            SELECT \(columns == "element" ? "element, " : "")\(columns == "element" ? keys.joined(separator: ", ") : columns + ", " + keys.joined(separator: ", "))
            FROM \(table)\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            ORDER BY \(keys.joined(separator: ", ")) LIMIT \(page)
            """
        var elements: [String] = []
        var bytes = 0
        var last: [DatabaseValue]?
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while bytes < 256 * 1024, let row = try rows.next() {
            switch list {
            case .articles, .decisions, .highlights, .notes: elements.append(row["element"])
            case .codes: elements.append(element(try code(row).element))
            case .statuses:
                elements.append(
                    element(
                        CorpusSnapshot.Status(
                            article: try ArticleID(row["article"]), user: try UserName(row["user_name"]), done: row["done"],
                            updated: try Timestamp(parsing: row["updated"]))))
            case .tags:
                let highlight: String = row["highlight"]
                elements.append(
                    element(
                        CorpusSnapshot.Tagging(
                            article: try ArticleID(row["article"]), tag: TagName(normalized: row["tag"]),
                            highlight: highlight.isEmpty ? nil : try EntityID(highlight))))
            }
            bytes += elements.last?.utf8.count ?? 0
            last = keys.map { row[$0] }
        }
        let full = elements.count == page || bytes >= 256 * 1024
        return (elements, full ? last : nil)
    }
}
