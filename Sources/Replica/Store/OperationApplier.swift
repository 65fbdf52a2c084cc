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
    /// - Returns: `false` when the replica already held it.
    @discardableResult
    func apply(_ operation: SyncOperation, changeset: Timestamp, origin: Origin) throws -> Bool {
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
            hlc, changeset.description, operation.author.rawValue, action.kind, action.article?.rawValue, subject,
            WireFormat.encode(operation), origin.rawValue, Int64(now),
        ])
        guard db.changesCount > 0 else { return false }

        let author = operation.author.rawValue
        switch action {
        case .importArticle(let article, let title, let text):
            try importArticle(hlc: hlc, author: author, article: article.rawValue, title: title, text: text)
        case .addTag(let article, let tag):
            try db.cachedStatement(
                sql: """
                    INSERT INTO tag_additions (hlc, article, tag, author, live)
                    VALUES (?1, ?2, ?3, ?4, NOT EXISTS (SELECT 1 FROM tag_tombstones WHERE addition = ?1))
                    """
            ).execute(arguments: [hlc, article.rawValue, tag.rawValue, author])
        case .removeTag(_, _, let removes):
            for addition in removes {
                let key = addition.description
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO tag_tombstones (addition) VALUES (?)")
                    .execute(arguments: [key])
                try db.cachedStatement(sql: "UPDATE tag_additions SET live = 0 WHERE hlc = ?").execute(arguments: [key])
            }
        case .createNote(let note, let article, let body, let highlight):
            try db.cachedStatement(
                sql: """
                    INSERT INTO notes (id, article, highlight, author, created) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """
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
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                            EXISTS (SELECT 1 FROM highlight_deletions WHERE highlight = ?1))
                    ON CONFLICT (id) DO NOTHING
                    """
            ).execute(arguments: [
                highlight.rawValue, article.rawValue, author, hlc, selector.exact, selector.prefix, selector.suffix,
                selector.start, selector.end,
            ])
        case .deleteHighlight(let highlight):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO highlight_deletions (highlight) VALUES (?)")
                .execute(arguments: [highlight.rawValue])
            try db.cachedStatement(sql: "UPDATE highlights SET deleted = 1 WHERE id = ?")
                .execute(arguments: [highlight.rawValue])
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
        for version in base {
            let key = version.description
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO note_supersessions (version) VALUES (?)")
                .execute(arguments: [key])
            try db.cachedStatement(sql: "UPDATE note_versions SET superseded = 1 WHERE hlc = ?").execute(arguments: [key])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO note_versions (hlc, note, author, body, superseded)
                VALUES (?1, ?2, ?3, ?4, EXISTS (SELECT 1 FROM note_supersessions WHERE version = ?1))
                """
        ).execute(arguments: [hlc, note, author, body])
        try resolveNote(note)
    }

    /// Recomputes a note's displayed state from its heads with ``NoteResolution``.
    private func resolveNote(_ note: String) throws {
        guard
            let current = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT rowid, body FROM notes WHERE id = ?"), arguments: [note])
        else { return }  // The creation has not arrived yet: nothing to show.
        let heads = try NoteStore.heads(of: note, db)
        let resolution = NoteResolution(heads: heads)
        let winner = resolution.winner
        let rowid: Int64 = current["rowid"]
        try db.cachedStatement(
            sql: """
                UPDATE notes SET body = ?, updated = ?, updated_by = ?, deleted = ?, conflicted = ? WHERE rowid = ?
                """
        ).execute(arguments: [
            winner?.body, winner?.timestamp.description, winner?.author.rawValue, resolution.isDeleted,
            resolution.isConflicted, rowid,
        ])
        let oldBody: String? = current["body"]
        if oldBody != winner?.body {
            try db.cachedStatement(sql: "DELETE FROM note_search WHERE rowid = ?").execute(arguments: [rowid])
            if let body = winner?.body {
                try db.cachedStatement(sql: "INSERT INTO note_search (rowid, body) VALUES (?, ?)")
                    .execute(arguments: [rowid, body])
            }
        }
    }
}

/// Reads of note versions shared by the applier and the queries.
enum NoteStore {
    static func heads(of note: String, _ db: Database) throws -> [NoteVersion] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT hlc, author, body FROM note_versions WHERE note = ? AND superseded = 0"),
            arguments: [note]
        ).map { row in
            NoteVersion(
                timestamp: try Timestamp(parsing: row["hlc"]), author: try UserName(row["author"]), body: row["body"])
        }
    }
}
