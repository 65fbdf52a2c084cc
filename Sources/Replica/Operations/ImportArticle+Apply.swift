import GRDB
import SyncCore

extension ImportArticle: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        let db = context.db
        let article = self.article.rawValue
        let hash = ContentHash.of(text)
        if let existing = try String.fetchOne(
            db.cachedStatement(sql: "SELECT hlc FROM article_imports WHERE article = ? AND text_hash = ?"),
            arguments: [article, hash])
        {
            // The same text again: only the earliest import of it counts.
            guard ArticleResolution.prefers(try Timestamp(parsing: context.hlc), over: try Timestamp(parsing: existing)) else {
                return
            }
            try db.cachedStatement(
                sql: "UPDATE article_imports SET hlc = ?, author = ?, title = ? WHERE article = ? AND text_hash = ?"
            ).execute(arguments: [context.hlc, context.author, title, article, hash])
        } else {
            try db.cachedStatement(
                sql: "INSERT INTO article_imports (hlc, article, author, title, text, text_hash) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [context.hlc, article, context.author, title, text, hash])
        }
        try Self.resolve(article, db)
    }

    /// Makes the `articles` row (and its search entry) the earliest import of the article.
    private static func resolve(_ article: String, _ db: Database) throws {
        guard
            let winner = try ImportRow.fetchOne(
                db.cachedStatement(
                    sql: "SELECT hlc, author, title, text FROM article_imports WHERE article = ? ORDER BY hlc LIMIT 1"),
                arguments: [article])
        else { return }
        let current = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT rowid, hlc, title, text FROM articles WHERE id = ?"), arguments: [article])
        if let current {
            guard (current["hlc"] as String) != winner.hlc else { return }
            let rowid: Int64 = current["rowid"]
            try db.execute(
                sql: "INSERT INTO article_search (article_search, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                arguments: [rowid, current["title"] as String, current["text"] as String])
            try db.execute(
                sql: "UPDATE articles SET hlc = ?, author = ?, title = ?, text = ? WHERE rowid = ?",
                arguments: [winner.hlc, winner.author, winner.title, winner.text, rowid])
            try db.execute(
                sql: "INSERT INTO article_search (rowid, title, text) VALUES (?, ?, ?)",
                arguments: [rowid, winner.title, winner.text])
        } else {
            try db.cachedStatement(sql: "INSERT INTO articles (id, hlc, author, title, text) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [article, winner.hlc, winner.author, winner.title, winner.text])
            try db.cachedStatement(sql: "INSERT INTO article_search (rowid, title, text) VALUES (?, ?, ?)")
                .execute(arguments: [db.lastInsertedRowID, winner.title, winner.text])
        }
    }

    private struct ImportRow: FetchableRecord, Decodable {
        let hlc: String
        let author: String
        let title: String
        let text: String
    }
}
