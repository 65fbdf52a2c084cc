import GRDB
import SyncCore

extension CreateHighlight: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        // A deletion that arrived first left a placeholder row (article NULL, deleted 1).
        try context.db.cachedStatement(
            sql: """
                INSERT INTO highlights (id, article, author, created, exact, prefix, suffix, start, "end", deleted)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT (id) DO UPDATE SET article = excluded.article, author = excluded.author,
                    created = excluded.created, exact = excluded.exact, prefix = excluded.prefix,
                    suffix = excluded.suffix, start = excluded.start, "end" = excluded."end"
                """
        ).execute(arguments: [
            highlight.rawValue, article.rawValue, context.author, context.hlc, selector.exact, selector.prefix,
            selector.suffix, selector.start, selector.end,
        ])
    }
}

extension DeleteHighlight: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        try context.db.cachedStatement(
            sql: "INSERT INTO highlights (id, deleted) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET deleted = 1"
        ).execute(arguments: [highlight.rawValue])
    }
}
