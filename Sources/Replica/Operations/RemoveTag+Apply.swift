import GRDB
import SyncCore

extension RemoveTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        // Scoped: only an addition of this code on this article, and this highlight or the
        // article itself, is cancelled.
        let tombstone: Statement
        let cancel: Statement
        var scope: [BoundValue] = [.text(article.rawValue), .text(tag.rawValue)]
        if let highlight {
            tombstone = try context.db.cachedStatement(
                sql: "INSERT INTO span_tombstones (addition, article, tag, highlight) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            cancel = try context.db.cachedStatement(
                sql: "UPDATE tag_additions SET live = 0 WHERE hlc = ? AND article = ? AND tag = ? AND highlight = ? AND live = 1")
            scope.append(.text(highlight.rawValue))
        } else {
            tombstone = try context.db.cachedStatement(
                sql: "INSERT INTO tag_tombstones (addition, article, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            cancel = try context.db.cachedStatement(
                sql: "UPDATE tag_additions SET live = 0 WHERE hlc = ? AND article = ? AND tag = ? AND highlight IS NULL AND live = 1")
        }
        for addition in removes {
            let values = [BoundValue.text(addition.description)] + scope
            try tombstone.execute(bound: values)
            try cancel.execute(bound: values)
        }
    }
}
