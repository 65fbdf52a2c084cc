import Foundation
import GRDB
import SyncCore

/// What `annot upgrade` carried over from a format-1 replica.
public struct UpgradeReport: Sendable, Hashable, Codable {
    /// Where the format-1 replica was kept.
    public var oldPath: String
    /// The new replica.
    public var newPath: String
    public var user: String
    public var articles = 0
    public var tags = 0
    public var notes = 0
    public var highlights = 0
    /// Operations by other users, not carried: each author carries their own.
    public var othersOperations = 0
    /// Whether the server settings were carried (cursors start over).
    public var remote: String?
}

extension LocalReplica {
    /// Carries a format-1 replica's work into a new, signed replica for the same user.
    ///
    /// Format-1 operations are unsigned and no peer accepts them any more, so the work is
    /// carried as *state*, made again as this user's new, signed operations: the articles
    /// the user imported, the tags the user added that are still on, the user's notes that
    /// are not deleted (their current text), and the user's highlights that are not deleted
    /// (with the notes on them). Others' work is not re-signed in their name: it comes back
    /// when they upgrade and sync. The history of edits is not carried, only its result.
    ///
    /// - Parameters:
    ///   - oldPath: the format-1 replica; it is read, never written.
    ///   - newPath: where to create the new replica (it must not exist).
    /// - Throws: ``ReplicaError/notAReplica(path:reason:)`` when `oldPath` is not a
    ///   format-1 replica; nothing is created then.
    public static func upgrade(formatOne oldPath: String, to newPath: String, wallClock: any WallClock = SystemWallClock())
        throws(ReplicaError) -> UpgradeReport
    {
        guard FileManager.default.fileExists(atPath: oldPath) else { throw .notFound(path: oldPath) }
        let old = try FormatOneReplica(path: oldPath)
        let replica = try create(at: newPath, user: old.user, wallClock: wallClock)
        var report = UpgradeReport(oldPath: oldPath, newPath: newPath, user: old.user.rawValue)
        do {
            try ReplicaError.guarded {
                try replica.database.write { db in
                    let identity = try Self.identity(db, path: newPath)
                    var builder = identity.changesetBuilder(now: wallClock.milliseconds())
                    let applier = OperationApplier(db: db, now: wallClock.milliseconds())
                    func flush() throws {
                        guard let changeset = try builder.build() else { return }
                        _ = try applier.apply(changeset, origin: .local)
                        builder = identity.changesetBuilder(now: wallClock.milliseconds(), clock: builder.clock)
                    }
                    for article in old.articles {
                        try builder.add { _ in .importArticle(article: article.id, title: article.title, text: article.text) }
                        report.articles += 1
                        if builder.operations.count >= importChunk { try flush() }
                    }
                    try flush()
                    for (article, tag) in old.tags {
                        try builder.add { _ in .addTag(article: article, tag: tag) }
                        report.tags += 1
                    }
                    try flush()
                    var highlights: [String: EntityID] = [:]
                    for highlight in old.highlights {
                        let made = try builder.add { time in
                            .createHighlight(highlight: EntityID(creator: time), article: highlight.article, selector: highlight.selector)
                        }
                        highlights[highlight.id] = EntityID(creator: made.timestamp)
                        report.highlights += 1
                    }
                    for note in old.notes {
                        try builder.add { time in
                            .createNote(
                                note: EntityID(creator: time), article: note.article, body: note.body,
                                highlight: note.highlight.flatMap { highlights[$0] })
                        }
                        report.notes += 1
                    }
                    try flush()
                    try Self.store(clock: builder.clock, db)
                    if let remote = old.remote {
                        try db.execute(
                            sql: "INSERT INTO remotes (name, url, token) VALUES (?, ?, ?)",
                            arguments: [remoteName, remote.url, remote.token])
                        report.remote = remote.url
                    }
                }
            }
        } catch {
            try? replica.close()
            try? FileManager.default.removeItem(atPath: newPath)
            throw error
        }
        report.othersOperations = old.othersOperations
        try replica.close()
        return report
    }
}

/// A format-1 replica, read with plain SQL (its operations are not decoded: format 1 is no
/// longer a wire format this build reads).
private struct FormatOneReplica {
    struct Article {
        let id: ArticleID
        let title: String
        let text: String
    }

    struct Highlight {
        let id: String
        let article: ArticleID
        let selector: TextSelector
    }

    struct Note {
        let article: ArticleID
        let body: String
        let highlight: String?
    }

    let user: UserName
    var articles: [Article] = []
    var tags: [(ArticleID, TagName)] = []
    var highlights: [Highlight] = []
    var notes: [Note] = []
    var othersOperations = 0
    var remote: (url: String, token: String)?

    init(path: String) throws(ReplicaError) {
        var configuration = Configuration()
        configuration.readonly = true
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        defer { try? database.close() }
        let read: Result<FormatOneReplica, ReplicaError> = Result { () throws(ReplicaError) in
            try ReplicaError.guarded {
                try database.read { db in
                    let columns = try db.columns(in: "replica").map(\.name)
                    if columns.contains("format"), try Int.fetchOne(db, sql: "SELECT format FROM replica") != 1 {
                        throw ReplicaError.notAReplica(path: path, reason: "it is not a format-1 replica: it needs no upgrade")
                    }
                    guard let name = try String.fetchOne(db, sql: "SELECT user_name FROM replica") else {
                        throw ReplicaError.notAReplica(path: path, reason: "it has no replica row")
                    }
                    var old = FormatOneReplica(user: try UserName(name))
                    try old.read(db)
                    return old
                }
            }
        }
        switch read {
        case .success(let old): self = old
        case .failure(let error):
            if case .storage(let message) = error { throw .notAReplica(path: path, reason: message) }
            throw error
        }
    }

    private init(user: UserName) { self.user = user }

    private mutating func read(_ db: Database) throws {
        let user = self.user.rawValue
        for row in try Row.fetchAll(db, sql: "SELECT id, title, text FROM articles WHERE author = ? ORDER BY id", arguments: [user]) {
            articles.append(Article(id: try ArticleID(row[0] as String), title: row[1], text: row[2]))
        }
        for row in try Row.fetchAll(
            db,
            sql: "SELECT DISTINCT article, tag FROM tag_additions WHERE live = 1 AND author = ? AND article IS NOT NULL ORDER BY article, tag",
            arguments: [user])
        {
            tags.append((try ArticleID(row[0] as String), try TagName(row[1] as String)))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, article, exact, prefix, suffix, start, "end" FROM highlights
                WHERE author = ? AND deleted = 0 AND article IS NOT NULL ORDER BY created
                """,
            arguments: [user])
        {
            let selector = TextSelector(exact: row[2], prefix: row[3], suffix: row[4], start: row[5], end: row[6])
            highlights.append(Highlight(id: row[0], article: try ArticleID(row[1] as String), selector: selector))
        }
        // A note's current text: its newest head that is not a deletion (NoteResolution).
        for row in try Row.fetchAll(
            db, sql: "SELECT id, article, highlight FROM notes WHERE author = ? ORDER BY created", arguments: [user])
        {
            let heads = try Row.fetchAll(
                db, sql: "SELECT hlc, author, body FROM note_versions WHERE note = ? AND superseded = 0 AND arrived = 1",
                arguments: [row[0] as String]
            ).map { version in
                NoteVersion(timestamp: try Timestamp(parsing: version[0]), author: try UserName(version[1] as String), body: version[2])
            }
            guard let body = NoteResolution(heads: heads).winner?.body else { continue }
            notes.append(Note(article: try ArticleID(row[1] as String), body: body, highlight: row[2]))
        }
        othersOperations = try Int.fetchOne(db, sql: "SELECT count(*) FROM operations WHERE author <> ?", arguments: [user]) ?? 0
        if let row = try Row.fetchOne(db, sql: "SELECT url, token FROM remotes WHERE name = 'origin'") {
            remote = (row[0], row[1])
        }
    }
}
