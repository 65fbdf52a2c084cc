import GRDB
import SyncCore

extension ArticleStatus: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        // The latest status per article and author wins, in any order of arrival.
        try context.db.cachedStatement(
            sql: """
                INSERT INTO coding_status (article, author, hlc, done) VALUES (?, ?, ?, ?)
                ON CONFLICT (article, author) DO UPDATE SET hlc = excluded.hlc, done = excluded.done
                    WHERE excluded.hlc > coding_status.hlc
                """
        ).execute(bound: [.text(article.rawValue), .text(context.author), .text(context.hlc), .flag(done)])
    }
}
