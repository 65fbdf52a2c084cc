import GRDB
import SyncCore

extension AddTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        // Dead on arrival when a removal of this tag on this article already named it.
        try context.db.cachedStatement(
            sql: """
                INSERT INTO tag_additions (hlc, article, tag, author, live) VALUES (?1, ?2, ?3, ?4,
                    NOT EXISTS (SELECT 1 FROM tag_tombstones WHERE addition = ?1 AND article = ?2 AND tag = ?3))
                """
        ).execute(bound: [.text(context.hlc), .text(article.rawValue), .text(tag.rawValue), .text(context.author)])
    }
}
