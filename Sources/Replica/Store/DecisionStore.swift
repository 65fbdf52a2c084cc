import GRDB
import SyncCore

/// Reads of the adjudicated layer (`tag.decide`), resolved from each register's heads with
/// SyncCore's ``NoteResolution``.
enum DecisionStore {
    static func heads(of key: DecisionKey, _ db: Database) throws -> [NoteVersion] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT hlc, author, decision AS body FROM decision_versions
                    WHERE article = ? AND tag = ? AND highlight = ? AND superseded = 0
                    """),
            arguments: [key.article.rawValue, key.tag.rawValue, key.highlight?.rawValue ?? ""]
        ).map(NoteStore.version)
    }

    /// The versions among `base` of one register (what its author saw).
    static func versions(_ base: [Timestamp], of key: DecisionKey, _ db: Database) throws -> [NoteVersion] {
        guard !base.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT hlc, author, decision AS body FROM decision_versions
                WHERE article = ? AND tag = ? AND highlight = ? AND hlc IN (\(databaseQuestionMarks(count: base.count)))
                """,
            arguments: StatementArguments([key.article.rawValue, key.tag.rawValue, key.highlight?.rawValue ?? ""] + base.map(\.description))
        ).map(NoteStore.version)
    }

    /// Every register with a standing decision (not cleared), by article, code id, highlight.
    static func standing(article: String? = nil, _ db: Database) throws -> [(key: DecisionKey, resolution: NoteResolution)] {
        var grouped: [DecisionKey: [NoteVersion]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT article, tag, highlight, hlc, author, decision AS body FROM decision_versions
                WHERE superseded = 0 AND (?1 IS NULL OR article = ?1)
                """, arguments: [article])
        {
            let highlight: String = row["highlight"]
            let key = DecisionKey(
                article: try ArticleID(row["article"]), tag: TagName(normalized: row["tag"]),
                highlight: highlight.isEmpty ? nil : try EntityID(highlight))
            grouped[key, default: []].append(try NoteStore.version(row))
        }
        return grouped.compactMap { key, heads in
            let resolution = NoteResolution(heads: heads)
            return resolution.winner == nil ? nil : (key, resolution)
        }.sorted { $0.key < $1.key }
    }
}
