import GRDB
import SyncCore

extension DecideTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        context.codebook.mention(tag, context)
        let db = context.db
        let key: [BoundValue] = [.text(article.rawValue), .text(tag.rawValue), .text(highlight?.rawValue ?? "")]
        let record = try db.cachedStatement(
            sql: "INSERT INTO decision_supersessions (version, article, tag, highlight) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        let supersede = try db.cachedStatement(
            sql: """
                UPDATE decision_versions SET superseded = 1
                WHERE hlc = ? AND article = ? AND tag = ? AND highlight = ? AND superseded = 0
                """)
        for version in base {
            try record.execute(bound: [.text(version.description)] + key)
            try supersede.execute(bound: [.text(version.description)] + key)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO decision_versions (hlc, article, tag, highlight, author, decision, superseded)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, EXISTS (SELECT 1 FROM decision_supersessions
                    WHERE version = ?1 AND article = ?2 AND tag = ?3 AND highlight = ?4))
                """
        ).execute(bound: [.text(context.hlc)] + key + [.text(context.author), .text(decision == .clear ? nil : decision.rawValue)])
    }
}
