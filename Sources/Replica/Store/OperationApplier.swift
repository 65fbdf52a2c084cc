import GRDB
import SyncCore

/// Applies operations to the replica's tables inside the caller's transaction: logs each
/// one (ignoring those already held) and updates the materialized state with the merge
/// rules of SyncCore.
///
/// Each rule records grow-only facts and derives state from them, like ``CorpusState``,
/// so the tables end up the same in any delivery order. Every statement is keyed by an
/// index: applying a batch costs in proportion to the batch, not to the replica.
struct OperationApplier {
    let db: Database
    let now: UInt64

    /// Applies one operation.
    /// - Parameter changeset: the id of the operation's changeset, as text.
    /// - Returns: `false` when the replica already held it.
    @discardableResult
    func apply(_ operation: SyncOperation, changeset: String, origin: Origin) throws -> Bool {
        let hlc = operation.timestamp.description
        let action = operation.action
        let subject: String? =
            switch action {
            case .createNote(let note, _, _, _), .editNote(let note, _, _), .deleteNote(let note, _): note.rawValue
            case .createHighlight(let highlight, _, _), .deleteHighlight(let highlight): highlight.rawValue
            default: nil
            }
        try db.cachedStatement(
            sql: """
                INSERT INTO operations (hlc, changeset, author, kind, article, subject, payload, origin, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hlc) DO NOTHING
                """
        ).execute(arguments: [
            hlc, changeset, operation.author.rawValue, action.kind, action.article?.rawValue, subject,
            WireFormat.encode(operation), origin.rawValue, Int64(now),
        ])
        guard db.changesCount > 0 else { return false }

        // Facts that may arrive before what they refer to (a removal before its addition, a
        // supersession before its version, a deletion before its highlight) are written as
        // placeholder rows by upsert, so every rule is one statement per fact, in any order.
        let author = operation.author.rawValue
        switch action {
        case .importArticle(let article, let title, let text):
            try importArticle(hlc: hlc, author: author, article: article.rawValue, title: title, text: text)
        case .addTag(let article, let tag):
            try db.cachedStatement(
                sql: """
                    INSERT INTO tag_additions (hlc, article, tag, author, live) VALUES (?, ?, ?, ?, 1)
                    ON CONFLICT (hlc) DO UPDATE SET article = excluded.article, tag = excluded.tag, author = excluded.author
                    """
            ).execute(arguments: [hlc, article.rawValue, tag.rawValue, author])
        case .removeTag(_, _, let removes):
            let statement = try db.cachedStatement(
                sql: "INSERT INTO tag_additions (hlc, live) VALUES (?, 0) ON CONFLICT (hlc) DO UPDATE SET live = 0")
            for addition in removes { try statement.execute(arguments: [addition.description]) }
        case .createNote(let note, let article, let body, let highlight):
            try db.cachedStatement(
                sql: "INSERT INTO notes (id, article, highlight, author, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
            ).execute(arguments: [note.rawValue, article.rawValue, highlight?.rawValue, author, hlc])
            try addNoteVersion(hlc: hlc, note: note.rawValue, author: author, body: body, base: [])
        case .editNote(let note, let body, let base):
            try addNoteVersion(hlc: hlc, note: note.rawValue, author: author, body: body, base: base)
        case .deleteNote(let note, let base):
            try addNoteVersion(hlc: hlc, note: note.rawValue, author: author, body: nil, base: base)
        case .createHighlight(let highlight, let article, let selector):
            try db.cachedStatement(
                sql: """
                    INSERT INTO highlights (id, article, author, created, exact, prefix, suffix, start, "end", deleted)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                    ON CONFLICT (id) DO UPDATE SET article = excluded.article, author = excluded.author,
                        created = excluded.created, exact = excluded.exact, prefix = excluded.prefix,
                        suffix = excluded.suffix, start = excluded.start, "end" = excluded."end"
                    """
            ).execute(arguments: [
                highlight.rawValue, article.rawValue, author, hlc, selector.exact, selector.prefix, selector.suffix,
                selector.start, selector.end,
            ])
        case .deleteHighlight(let highlight):
            try db.cachedStatement(
                sql: "INSERT INTO highlights (id, deleted) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET deleted = 1"
            ).execute(arguments: [highlight.rawValue])
        }
        return true
    }

    // MARK: - Articles

    private func importArticle(hlc: String, author: String, article: String, title: String, text: String) throws {
        let hash = ContentHash.of(text)
        if let existing = try String.fetchOne(
            db.cachedStatement(sql: "SELECT hlc FROM article_imports WHERE article = ? AND text_hash = ?"),
            arguments: [article, hash])
        {
            // The same text again: only the earliest import of it counts.
            guard hlc < existing else { return }
            try db.cachedStatement(
                sql: "UPDATE article_imports SET hlc = ?, author = ?, title = ? WHERE article = ? AND text_hash = ?"
            ).execute(arguments: [hlc, author, title, article, hash])
        } else {
            try db.cachedStatement(
                sql: "INSERT INTO article_imports (hlc, article, author, title, text, text_hash) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [hlc, article, author, title, text, hash])
        }
        try resolveArticle(article)
    }

    /// Makes the `articles` row (and its search entry) the earliest import of the article.
    private func resolveArticle(_ article: String) throws {
        guard
            let winner = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT hlc, author, title, text FROM article_imports WHERE article = ? ORDER BY hlc LIMIT 1"),
                arguments: [article])
        else { return }
        let current = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT rowid, hlc, title, text FROM articles WHERE id = ?"), arguments: [article])
        if let current {
            guard (current["hlc"] as String) != (winner["hlc"] as String) else { return }
            let rowid: Int64 = current["rowid"]
            try db.execute(
                sql: "INSERT INTO article_search (article_search, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                arguments: [rowid, current["title"] as String, current["text"] as String])
            try db.execute(
                sql: "UPDATE articles SET hlc = ?, author = ?, title = ?, text = ? WHERE rowid = ?",
                arguments: [winner["hlc"] as String, winner["author"] as String, winner["title"] as String,
                    winner["text"] as String, rowid])
            try db.execute(
                sql: "INSERT INTO article_search (rowid, title, text) VALUES (?, ?, ?)",
                arguments: [rowid, winner["title"] as String, winner["text"] as String])
        } else {
            try db.cachedStatement(sql: "INSERT INTO articles (id, hlc, author, title, text) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [article, winner["hlc"] as String, winner["author"] as String,
                    winner["title"] as String, winner["text"] as String])
            try db.cachedStatement(sql: "INSERT INTO article_search (rowid, title, text) VALUES (?, ?, ?)")
                .execute(arguments: [db.lastInsertedRowID, winner["title"] as String, winner["text"] as String])
        }
    }

    // MARK: - Notes

    private func addNoteVersion(hlc: String, note: String, author: String, body: String?, base: [Timestamp]) throws {
        let supersede = try db.cachedStatement(
            sql: """
                INSERT INTO note_versions (hlc, superseded, arrived) VALUES (?, 1, 0)
                ON CONFLICT (hlc) DO UPDATE SET superseded = 1
                """)
        for version in base { try supersede.execute(arguments: [version.description]) }
        try db.cachedStatement(
            sql: """
                INSERT INTO note_versions (hlc, note, author, body, superseded, arrived) VALUES (?, ?, ?, ?, 0, 1)
                ON CONFLICT (hlc) DO UPDATE SET note = excluded.note, author = excluded.author, body = excluded.body,
                    arrived = 1
                """
        ).execute(arguments: [hlc, note, author, body])
        if let body {
            // The upsert may have updated a placeholder: look the row up by its unique hlc.
            // One row through VALUES, not INSERT ... SELECT: SQLite opens a statement
            // savepoint for an INSERT ... SELECT, and FTS5 writes its pending terms to disk
            // at every savepoint (20,000 notes: 0.92 s against 0.14 s, BENCHMARKS.md).
            try db.cachedStatement(
                sql: "INSERT INTO note_search (rowid, body) VALUES ((SELECT rowid FROM note_versions WHERE hlc = ?), ?)"
            ).execute(arguments: [hlc, body])
        }
    }
}

/// Reads of notes, resolved from their heads with SyncCore's ``NoteResolution``.
enum NoteStore {
    /// A created note and the resolution of its current heads.
    struct ResolvedNote {
        let id: String
        let article: String
        let highlight: String?
        let author: String
        let created: String
        let resolution: NoteResolution
    }

    static func heads(of note: String, _ db: Database) throws -> [NoteVersion] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT hlc, author, body FROM note_versions WHERE note = ? AND superseded = 0 AND arrived = 1"),
            arguments: [note]
        ).map(version)
    }

    static func version(_ row: Row) throws -> NoteVersion {
        NoteVersion(timestamp: try Timestamp(parsing: row["hlc"]), author: try UserName(row["author"]), body: row["body"])
    }

    /// Created notes (of one article, or all) with their resolved state, oldest first;
    /// deleted ones included only when `includeDeleted`.
    /// - Complexity: one indexed join; resolution is per note, over its heads (usually one).
    static func resolved(article: String?, includeDeleted: Bool = false, _ db: Database) throws -> [ResolvedNote] {
        var sql = """
            SELECT n.id, n.article, n.highlight, n.author AS creator, n.created, v.hlc, v.author, v.body
            FROM notes n JOIN note_versions v ON v.note = n.id AND v.superseded = 0 AND v.arrived = 1
            """
        var arguments: StatementArguments = []
        if let article {
            sql += " WHERE n.article = ?"
            arguments = [article]
        }
        sql += " ORDER BY n.created, n.id"
        var notes: [ResolvedNote] = []
        var heads: [NoteVersion] = []
        var current: Row?
        func flush() {
            guard let row = current else { return }
            let resolution = NoteResolution(heads: heads)
            if includeDeleted || !resolution.isDeleted {
                notes.append(
                    ResolvedNote(
                        id: row["id"], article: row["article"], highlight: row["highlight"], author: row["creator"],
                        created: row["created"], resolution: resolution))
            }
        }
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            if current?["id"] as String? != row["id"] as String {
                flush()
                current = row.copy()
                heads = []
            }
            heads.append(try version(row))
        }
        flush()
        return notes
    }

    /// Whether a note exists and is not deleted.
    static func isLive(_ note: String, _ db: Database) throws -> Bool {
        !NoteResolution(heads: try heads(of: note, db)).isDeleted
    }
}
