import GRDB
import SyncCore

extension RemoveTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        let tombstone = try context.db.cachedStatement(
            sql: "INSERT INTO tag_tombstones (addition, article, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        // Scoped: only an addition of this tag on this article is cancelled.
        let cancel = try context.db.cachedStatement(
            sql: "UPDATE tag_additions SET live = 0 WHERE hlc = ? AND article = ? AND tag = ? AND live = 1")
        for addition in removes {
            let values: [BoundValue] = [.text(addition.description), .text(article.rawValue), .text(tag.rawValue)]
            try tombstone.execute(bound: values)
            try cancel.execute(bound: values)
        }
    }
}
