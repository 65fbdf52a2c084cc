import GRDB
import SyncCore

extension AddTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        context.codebook.mention(tag, context)
        // Dead on arrival when a removal of this code on this article (or span) already named it.
        if let highlight {
            try context.db.cachedStatement(
                sql: """
                    INSERT INTO tag_additions (hlc, article, tag, author, highlight, live) VALUES (?1, ?2, ?3, ?4, ?5,
                        NOT EXISTS (SELECT 1 FROM span_tombstones
                                    WHERE addition = ?1 AND article = ?2 AND highlight = ?5 AND tag = ?3))
                    """
            ).execute(bound: [
                .text(context.hlc), .text(article.rawValue), .text(tag.rawValue), .text(context.author), .text(highlight.rawValue),
            ])
        } else {
            try context.db.cachedStatement(
                sql: """
                    INSERT INTO tag_additions (hlc, article, tag, author, live) VALUES (?1, ?2, ?3, ?4,
                        NOT EXISTS (SELECT 1 FROM tag_tombstones WHERE addition = ?1 AND article = ?2 AND tag = ?3))
                    """
            ).execute(bound: [.text(context.hlc), .text(article.rawValue), .text(tag.rawValue), .text(context.author)])
        }
    }
}
