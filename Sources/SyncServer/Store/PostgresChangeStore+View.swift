import Foundation
import NIOCore
import Logging
import PostgresNIO
import SyncCore

/// The merged view's tables on PostgreSQL (`migrations/server-postgres/0005_merged_view.sql`),
/// shared by every instance: a step is computed and written by one instance at a time,
/// inside the transaction that holds the view's advisory lock (which nobody waits for).
extension PostgresChangeStore {
    public func viewCursor() async throws -> Int64 {
        try await guarded { [client, logger] in
            for try await cursor in try await client.query("SELECT cursor FROM view_head", logger: logger).decode(Int64.self) {
                return cursor
            }
            return 0
        }
    }

    public func viewOperations(about entities: [String]) async throws -> [String: [String]] {
        try await guarded { [client, logger] in
            var operations: [String: [String]] = [:]
            // Each piece through the index, each operation by its number, whatever the tables'
            // statistics say (a fresh store's are taken after its first minute): OFFSET 0
            // keeps the planner from making it one join, which it may then run as two scans.
            for try await (entity, payload) in try await client.query(
                """
                SELECT wanted.entity, (SELECT o.payload FROM operations o WHERE o.seq = e.seq)
                FROM unnest(\(entities)::text[]) AS wanted(entity)
                CROSS JOIN LATERAL (SELECT v.seq FROM view_entity_operations v WHERE v.entity = wanted.entity OFFSET 0) e
                """, logger: logger
            ).decode((String, String).self) {
                operations[entity, default: []].append(payload)
            }
            return operations
        }
    }

    public func viewCodes(_ ids: [TagName]?) async throws -> [TagName: ViewCode] {
        try await guarded { [client, logger] in
            let query: PostgresQuery =
                if let ids { "SELECT \(unescaped: Self.codeColumns) FROM view_codes WHERE id = ANY(\(ids.map(\.rawValue)))" } else {
                    "SELECT \(unescaped: Self.codeColumns) FROM view_codes"
                }
            var codes: [TagName: ViewCode] = [:]
            for try await row in try await client.query(query, logger: logger) {
                let code = try Self.code(row)
                codes[code.id] = code
            }
            return codes
        }
    }

    static let codeColumns =
        "id, created, created_by, winner_hlc, winner_author, winner_parent, winner_label, winner_into, link, path, representative, memo, name_conflicts, memo_conflicts"

    static func code(_ row: PostgresRow) throws -> ViewCode { try code(row.makeRandomAccess(), from: 0) }

    /// A code from the columns ``codeColumns``, starting at column `first`.
    static func code(_ cells: PostgresRandomAccessRow, from first: Int) throws -> ViewCode {
        func text(_ index: Int) throws -> String { try cells[first + index].decode(String.self) }
        func optional(_ index: Int) throws -> String? { try cells[first + index].decode(String?.self) }
        return ViewCode(
            id: TagName(normalized: try text(0)), created: try Timestamp(parsing: try text(1)), createdBy: try UserName(try text(2)),
            winner: try ViewCode.winner(
                hlc: try optional(3), author: try optional(4), parent: try optional(5), label: try optional(6), into: try optional(7)),
            link: try optional(8).map(TagName.init(normalized:)), path: try text(9), representative: TagName(normalized: try text(10)),
            memo: try optional(11), nameConflicts: try ViewCode.decode([CorpusSnapshot.CodeVersion].self, try text(12)),
            memoConflicts: try ViewCode.decode([CorpusSnapshot.NoteConflict].self, try text(13)))
    }

    static func element<T: Encodable>(_ value: T) -> String { String(decoding: CanonicalDocument.encode(value), as: UTF8.self) }

    /// The key of the advisory lock that the instance writing a step of the view holds.
    static let viewLock: Int64 = 0x616E_6E6F_7476_6965  // "annotvie"

    /// The step runs inside the writer's transaction, which holds the view's advisory lock:
    /// an instance that finds the lock taken returns at once, without computing anything.
    /// The step's own reads use other connections of the pool (committed data; only the
    /// writer changes the view).
    public func viewStep(_ step: @escaping @Sendable (Int64) async throws -> (changes: ViewChanges, cursor: Int64)?) async throws -> MergedViewWrite {
        try await guarded(timeout: .seconds(120)) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                var locked = false
                for try await value in try await connection.query("SELECT pg_try_advisory_xact_lock(\(Self.viewLock))", logger: logger)
                    .decode(Bool.self)
                {
                    locked = value
                }
                guard locked else { return .busy }
                var cursor: Int64 = 0
                for try await value in try await connection.query("SELECT cursor FROM view_head", logger: logger).decode(Int64.self) {
                    cursor = value
                }
                guard let (changes, to) = try await step(cursor) else { return .caughtUp }
                try await Self.write(changes, connection, logger)
                try await connection.query("UPDATE view_head SET cursor = \(to)", logger: logger)
                return .written
            }
        }
    }

    static func write(_ changes: ViewChanges, _ connection: PostgresConnection, _ logger: Logger) async throws {
        if !changes.entityOperations.isEmpty {
            try await connection.query(
                """
                INSERT INTO view_entity_operations (entity, seq)
                SELECT * FROM unnest(\(changes.entityOperations.map(\.entity))::text[], \(changes.entityOperations.map(\.seq))::bigint[])
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if !changes.articles.isEmpty {
            try await connection.query(
                """
                INSERT INTO view_articles (id, title, text, element)
                SELECT * FROM unnest(\(changes.articles.map(\.id.rawValue))::text[], \(changes.articles.map(\.title))::text[],
                    \(changes.articles.map(\.text))::text[], \(changes.articles.map(element))::text[])
                ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text, element = excluded.element
                """, logger: logger)
        }
        // Highlights before codings: a coded span counts while its highlight is live on the
        // same article.
        let liveHighlights = changes.highlights.values.compactMap { $0 }
        if !liveHighlights.isEmpty {
            try await connection.query(
                """
                INSERT INTO view_highlights (id, article, created, element)
                SELECT * FROM unnest(\(liveHighlights.map(\.id.rawValue))::text[], \(liveHighlights.map(\.article.rawValue))::text[],
                    \(liveHighlights.map(\.created.description))::text[], \(liveHighlights.map(element))::text[])
                ON CONFLICT (id) DO UPDATE SET article = excluded.article, created = excluded.created, element = excluded.element
                """, logger: logger)
        }
        let goneHighlights = changes.highlights.filter { $0.value == nil }.map(\.key.rawValue)
        if !goneHighlights.isEmpty {
            try await connection.query("DELETE FROM view_highlights WHERE id = ANY(\(goneHighlights))", logger: logger)
        }
        let live = changes.codings.filter(\.value).map(\.key)
        if !live.isEmpty {
            try await connection.query(
                """
                INSERT INTO view_codings (article, tag, highlight, counts)
                SELECT a, t, h, CASE WHEN h = '' OR EXISTS (SELECT 1 FROM view_highlights x WHERE x.id = h AND x.article = a) THEN 1 ELSE 0 END
                FROM unnest(\(live.map(\.article.rawValue))::text[], \(live.map(\.tag.rawValue))::text[],
                    \(live.map { $0.highlight?.rawValue ?? "" })::text[]) AS u(a, t, h)
                ON CONFLICT (article, tag, highlight) DO UPDATE SET counts = excluded.counts
                """, logger: logger)
        }
        let dead = changes.codings.filter { !$0.value }.map(\.key)
        if !dead.isEmpty {
            try await connection.query(
                """
                DELETE FROM view_codings c USING unnest(\(dead.map(\.article.rawValue))::text[], \(dead.map(\.tag.rawValue))::text[],
                    \(dead.map { $0.highlight?.rawValue ?? "" })::text[]) AS u(a, t, h)
                WHERE c.article = u.a AND c.tag = u.t AND c.highlight = u.h
                """, logger: logger)
        }
        if !changes.highlights.isEmpty {
            try await connection.query(
                """
                UPDATE view_codings c SET counts = CASE WHEN EXISTS (SELECT 1 FROM view_highlights h
                    WHERE h.id = c.highlight AND h.article = c.article) THEN 1 ELSE 0 END
                WHERE c.highlight = ANY(\(changes.highlights.keys.map(\.rawValue)))
                """, logger: logger)
        }
        let liveNotes = changes.notes.values.compactMap { $0 }
        if !liveNotes.isEmpty {
            try await connection.query(
                """
                INSERT INTO view_notes (id, article, author, created, updated, body, element)
                SELECT * FROM unnest(\(liveNotes.map(\.id.rawValue))::text[], \(liveNotes.map(\.article.rawValue))::text[],
                    \(liveNotes.map(\.author.rawValue))::text[], \(liveNotes.map(\.created.description))::text[],
                    \(liveNotes.map(\.updated.description))::text[], \(liveNotes.map(\.body))::text[], \(liveNotes.map(element))::text[])
                ON CONFLICT (id) DO UPDATE SET article = excluded.article, author = excluded.author, created = excluded.created,
                    updated = excluded.updated, body = excluded.body, element = excluded.element
                """, logger: logger)
        }
        let goneNotes = changes.notes.filter { $0.value == nil }.map(\.key.rawValue)
        if !goneNotes.isEmpty {
            try await connection.query("DELETE FROM view_notes WHERE id = ANY(\(goneNotes))", logger: logger)
        }
        if !changes.statuses.isEmpty {
            let statuses = changes.statuses
            try await connection.query(
                """
                INSERT INTO view_statuses (article, user_name, done, updated)
                SELECT * FROM unnest(\(statuses.map(\.article.rawValue))::text[], \(statuses.map(\.user.rawValue))::text[],
                    \(statuses.map(\.done))::boolean[], \(statuses.map(\.updated.description))::text[])
                ON CONFLICT (article, user_name) DO UPDATE SET done = excluded.done, updated = excluded.updated
                """, logger: logger)
        }
        let standing = changes.decisions.values.compactMap { $0 }
        if !standing.isEmpty {
            try await connection.query(
                """
                INSERT INTO view_decisions (article, tag, highlight, element)
                SELECT * FROM unnest(\(standing.map(\.article.rawValue))::text[], \(standing.map(\.tag.rawValue))::text[],
                    \(standing.map { $0.highlight?.rawValue ?? "" })::text[], \(standing.map(element))::text[])
                ON CONFLICT (article, tag, highlight) DO UPDATE SET element = excluded.element
                """, logger: logger)
        }
        let cleared = changes.decisions.filter { $0.value == nil }.map(\.key)
        if !cleared.isEmpty {
            try await connection.query(
                """
                DELETE FROM view_decisions d USING unnest(\(cleared.map(\.article.rawValue))::text[], \(cleared.map(\.tag.rawValue))::text[],
                    \(cleared.map { $0.highlight?.rawValue ?? "" })::text[]) AS u(a, t, h)
                WHERE d.article = u.a AND d.tag = u.t AND d.highlight = u.h
                """, logger: logger)
        }
        for code in changes.codes {
            let winner = code.winnerColumns
            try await connection.query(
                """
                INSERT INTO view_codes (\(unescaped: codeColumns)) VALUES (\(code.id.rawValue), \(code.created.description),
                    \(code.createdBy.rawValue), \(code.winner?.timestamp.description), \(code.winner?.author.rawValue), \(winner.parent),
                    \(winner.label), \(winner.into), \(code.link?.rawValue), \(code.path), \(code.representative.rawValue), \(code.memo),
                    \(ViewCode.json(code.nameConflicts)), \(ViewCode.json(code.memoConflicts)))
                ON CONFLICT (id) DO UPDATE SET created = excluded.created, created_by = excluded.created_by,
                    winner_hlc = excluded.winner_hlc, winner_author = excluded.winner_author, winner_parent = excluded.winner_parent,
                    winner_label = excluded.winner_label, winner_into = excluded.winner_into, link = excluded.link, path = excluded.path,
                    representative = excluded.representative, memo = excluded.memo, name_conflicts = excluded.name_conflicts,
                    memo_conflicts = excluded.memo_conflicts
                """, logger: logger)
        }
    }

    // MARK: - Reads

    /// The full-text expressions the indexes of migration 0005 are built on.
    static let articleDocument = "to_tsvector('simple', title || ' ' || text)"
    static let noteDocument = "to_tsvector('simple', body)"

    public func viewArticles(_ query: ViewQuery.Articles) async throws -> [SyncProtocol.ArticleListing] {
        try await guarded { [client, logger] in
            try await client.withConnection { connection in
                let after = query.after ?? ""
                var codes: [String]?
                if let path = query.tag {
                    codes = try await Self.strings(
                        connection, logger, "SELECT id FROM view_codes WHERE path = \(path) OR (path > \(path + "/") AND path < \(path + "0"))")
                }
                var ids: [String]
                if let text = query.text {
                    let words = ViewQuery.words(text).joined(separator: " ")
                    if let codes {
                        ids = try await Self.strings(
                            connection, logger,
                            """
                            SELECT a.id FROM view_articles a WHERE \(unescaped: Self.articleDocument) @@ plainto_tsquery('simple', \(words))
                                AND a.id > \(after) AND EXISTS (SELECT 1 FROM view_codings c WHERE c.article = a.id AND c.counts = 1
                                    AND c.tag = ANY(\(codes)))
                            ORDER BY a.id LIMIT \(query.limit)
                            """)
                    } else {
                        ids = try await Self.strings(
                            connection, logger,
                            """
                            SELECT id FROM view_articles WHERE \(unescaped: Self.articleDocument) @@ plainto_tsquery('simple', \(words))
                                AND id > \(after) ORDER BY id LIMIT \(query.limit)
                            """)
                    }
                } else if let codes {
                    // Each code's own page from its index, merged (see the SQLite store).
                    var merged = Set<String>()
                    for code in codes {
                        merged.formUnion(
                            try await Self.strings(
                                connection, logger,
                                "SELECT DISTINCT article FROM view_codings WHERE tag = \(code) AND counts = 1 AND article > \(after) ORDER BY article LIMIT \(query.limit)"
                            ))
                    }
                    ids = Array(merged.sorted().prefix(query.limit))
                } else {
                    ids = try await Self.strings(
                        connection, logger, "SELECT id FROM view_articles WHERE id > \(after) ORDER BY id LIMIT \(query.limit)")
                }
                guard !ids.isEmpty else { return [] }
                var titles: [String: String] = [:]
                for try await (id, title) in try await connection.query(
                    "SELECT id, title FROM view_articles WHERE id = ANY(\(ids))", logger: logger
                ).decode((String, String).self) {
                    titles[id] = title
                }
                var tags: [String: [String]] = [:]
                for try await (article, path) in try await connection.query(
                    """
                    SELECT DISTINCT t.article, c.path FROM view_codings t JOIN view_codes c ON c.id = t.tag
                    WHERE t.article = ANY(\(ids)) AND t.highlight = '' ORDER BY t.article, c.path
                    """, logger: logger
                ).decode((String, String).self) {
                    tags[article, default: []].append(path)
                }
                let notes = try await Self.counts(connection, logger, "SELECT article, count(*) FROM view_notes WHERE article = ANY(\(ids)) GROUP BY article")
                let highlights = try await Self.counts(
                    connection, logger, "SELECT article, count(*) FROM view_highlights WHERE article = ANY(\(ids)) GROUP BY article")
                return ids.map {
                    SyncProtocol.ArticleListing(
                        id: $0, title: titles[$0] ?? "", tags: tags[$0] ?? [], notes: notes[$0] ?? 0, highlights: highlights[$0] ?? 0)
                }
            }
        }
    }

    static func strings(_ connection: PostgresConnection, _ logger: Logger, _ query: PostgresQuery) async throws -> [String] {
        var values: [String] = []
        for try await value in try await connection.query(query, logger: logger).decode(String.self) { values.append(value) }
        return values
    }

    static func counts(_ connection: PostgresConnection, _ logger: Logger, _ query: PostgresQuery) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for try await (key, count) in try await connection.query(query, logger: logger).decode((String, Int64).self) {
            counts[key] = Int(count)
        }
        return counts
    }

    public func viewArticle(_ prefix: String) async throws -> SyncProtocol.ArticleDetail {
        try await guarded { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                let candidates = try await Self.strings(
                    connection, logger, "SELECT id FROM view_articles WHERE id >= \(prefix) ORDER BY id LIMIT 9"
                ).filter { $0.hasPrefix(prefix) }
                let id = try ViewQuery.unique(prefix, among: candidates)
                let decoder = JSONDecoder()
                let element = try await Self.strings(connection, logger, "SELECT element FROM view_articles WHERE id = \(id)").first ?? ""
                let tags = try await Self.strings(
                    connection, logger,
                    """
                    SELECT DISTINCT c.path FROM view_codings t JOIN view_codes c ON c.id = t.tag
                    WHERE t.article = \(id) AND t.highlight = '' ORDER BY c.path
                    """)
                let notes = try await Self.strings(connection, logger, "SELECT element FROM view_notes WHERE article = \(id) ORDER BY created")
                let highlights = try await Self.strings(
                    connection, logger, "SELECT element FROM view_highlights WHERE article = \(id) ORDER BY created")
                return SyncProtocol.ArticleDetail(
                    article: try decoder.decode(CorpusSnapshot.Article.self, from: Data(element.utf8)), tags: tags,
                    notes: try notes.map { try decoder.decode(CorpusSnapshot.Note.self, from: Data($0.utf8)) },
                    highlights: try highlights.map { try decoder.decode(CorpusSnapshot.Highlight.self, from: Data($0.utf8)) })
            }
        }
    }

    public func viewCodeCounts(after path: String?, limit: Int) async throws -> [SyncProtocol.CodeCount] {
        try await guarded { [client, logger] in
            try await client.withConnection { connection in
                var counts: [SyncProtocol.CodeCount] = []
                var after = path ?? ""
                // Codes a page at a time, by path; a path with no article is left out.
                while counts.count < limit {
                    var groups: [(path: String, ids: [String])] = []
                    for try await (path, id) in try await connection.query(
                        "SELECT path, id FROM view_codes WHERE path > \(after) ORDER BY path, id LIMIT 500", logger: logger
                    ).decode((String, String).self) {
                        if groups.last?.path == path { groups[groups.count - 1].ids.append(id) } else { groups.append((path, [id])) }
                    }
                    guard let last = groups.last else { break }
                    let complete = groups.count > 1 ? groups.dropLast() : groups[...]
                    for group in complete where counts.count < limit {
                        var articles: Int64 = 0
                        for try await count in try await connection.query(
                            "SELECT count(DISTINCT article) FROM view_codings WHERE counts = 1 AND tag = ANY(\(group.ids))", logger: logger
                        ).decode(Int64.self) {
                            articles = count
                        }
                        if articles > 0 { counts.append(SyncProtocol.CodeCount(tag: group.path, articles: Int(articles))) }
                    }
                    if groups.count == 1 {
                        // One path filled the page (or is the last): it is whole.
                        if complete.isEmpty { break }
                        after = last.path
                        if groups[0].ids.count < 500 { break }
                    } else {
                        after = complete.last!.path
                    }
                }
                return counts
            }
        }
    }

    public func viewNotes(_ query: ViewQuery.Notes) async throws -> [CorpusSnapshot.Note] {
        try await guarded { [client, logger] in
            var bindings = PostgresBindings()
            var conditions: [String] = []
            func bind(_ value: String) throws -> String {
                try bindings.append(value)
                return "$\(bindings.count)"
            }
            conditions.append("updated > \(try bind(query.after ?? ""))")
            if let article = query.article { conditions.append("article = \(try bind(article))") }
            if let author = query.author { conditions.append("author = \(try bind(author))") }
            if let since = query.since { conditions.append("updated >= \(try bind(since))") }
            if let text = query.text {
                conditions.append("\(Self.noteDocument) @@ plainto_tsquery('simple', \(try bind(ViewQuery.words(text).joined(separator: " "))))")
            }
            let sql = "SELECT element FROM view_notes WHERE \(conditions.joined(separator: " AND ")) ORDER BY updated LIMIT \(query.limit)"
            let decoder = JSONDecoder()
            var notes: [CorpusSnapshot.Note] = []
            for try await element in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).decode(String.self) {
                notes.append(try decoder.decode(CorpusSnapshot.Note.self, from: Data(element.utf8)))
            }
            return notes
        }
    }

    public func viewExport(chunkBytes: Int, _ write: (ByteBuffer) async throws -> Void) async throws {
        // One REPEATABLE READ transaction for the whole export: every list from one snapshot.
        // No call deadline: the export goes at the pace of the client reading it.
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                var writer = ExportWriter(chunkBytes: chunkBytes)
                try await writer.write(CanonicalDocument.opening, write)
                for list in CanonicalDocument.List.allCases {
                    try await writer.open(list, write)
                    try await Self.exportList(list, connection, logger) { try await writer.element($0.utf8, write) }
                    try await writer.close(write)
                }
                try await writer.write(CanonicalDocument.closing, write)
                try await writer.flush(write)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// One list of the export, in canonical order (each table's key index), a page at a time.
    nonisolated(nonsending) static func exportList(
        _ list: CanonicalDocument.List, _ connection: PostgresConnection, _ logger: Logger, _ element: (String) async throws -> Void
    ) async throws {
        // Articles are large (a text each): fewer at a time.
        let page = list == .articles ? 16 : 500
        let (table, keys, columns, filter): (String, [String], String, String) =
            switch list {
            case .articles: ("view_articles", ["id"], "element", "")
            case .codes: ("view_codes", ["id"], codeColumns, "")
            case .decisions: ("view_decisions", ["article", "tag", "highlight"], "element", "")
            case .highlights: ("view_highlights", ["created"], "element", "")
            case .notes: ("view_notes", ["created"], "element", "")
            case .statuses: ("view_statuses", ["article", "user_name"], "article, user_name, done, updated", "")
            case .tags: ("view_codings", ["article", "tag", "highlight"], "article, tag, highlight", "counts = 1")
            }
        var after: [String]?
        while true {
            var bindings = PostgresBindings()
            var conditions = filter.isEmpty ? [] : [filter]
            if let after {
                for value in after { try bindings.append(value) }
                let placeholders = (1...after.count).map { "$\($0)" }.joined(separator: ", ")
                conditions.append("(\(keys.joined(separator: ", "))) > (\(placeholders))")
            }
            let sql = """
                SELECT \(keys.joined(separator: ", ")), \(columns) FROM \(table)\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                ORDER BY \(keys.joined(separator: ", ")) LIMIT \(page)
                """
            var count = 0
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
                let cells = row.makeRandomAccess()
                let key = try (0..<keys.count).map { try cells[$0].decode(String.self) }
                let first = keys.count
                switch list {
                case .articles, .decisions, .highlights, .notes:
                    try await element(try cells[first].decode(String.self))
                case .codes:
                    try await element(Self.element(try code(cells, from: first).element))
                case .statuses:
                    try await element(
                        Self.element(
                            CorpusSnapshot.Status(
                                article: try ArticleID(try cells[first].decode(String.self)),
                                user: try UserName(try cells[first + 1].decode(String.self)), done: try cells[first + 2].decode(Bool.self),
                                updated: try Timestamp(parsing: try cells[first + 3].decode(String.self)))))
                case .tags:
                    let highlight = try cells[first + 2].decode(String.self)
                    try await element(
                        Self.element(
                            CorpusSnapshot.Tagging(
                                article: try ArticleID(try cells[first].decode(String.self)),
                                tag: TagName(normalized: try cells[first + 1].decode(String.self)),
                                highlight: highlight.isEmpty ? nil : try EntityID(highlight))))
                }
                after = key
                count += 1
            }
            if count < page { return }
        }
    }
}
