import GRDB
import SyncCore

extension LocalReplica {
    /// How many operations one import changeset holds at most; a large import is several
    /// changesets, still committed in one transaction.
    static let importChunk = 1000
    /// How many bytes of article text one import changeset holds at most (one article may
    /// exceed it alone), so that every changeset fits in one push to a server with the
    /// default body limit.
    static let importChunkBytes = 1024 * 1024

    /// The length of `text` once written as a JSON string value by the wire format.
    static func encodedLength(_ text: String) -> Int {
        text.utf8.reduce(2) { length, byte in length + (byte < 0x20 ? 6 : byte == 0x22 || byte == 0x5C ? 2 : 1) }
    }

    /// Imports articles from files, all or nothing.
    ///
    /// An article already held with the same text is left as it is; with a different text
    /// the whole import is refused, naming the file (articles are immutable).
    /// - Parameter progress: called with (files read, total) while reading.
    public func importArticles(
        from files: [ArticleFile], progress: (Int, Int) -> Void = { _, _ in }
    ) throws(ReplicaError) -> ImportReport {
        // Reject one id with two texts in the same batch before touching the database.
        var seen: [ArticleID: ArticleFile] = [:]
        var unique: [ArticleFile] = []
        for file in files {
            if let earlier = seen[file.id] {
                if earlier.text != file.text {
                    throw .duplicateInImport(article: file.id.rawValue, files: [earlier.path, file.path])
                }
                continue
            }
            seen[file.id] = file
            unique.append(file)
        }
        return try ReplicaError.guarded {
            try database.write { db in
                let identity = try Self.identity(db, path: path)
                // Once the server has said this user's role, an import it would refuse is
                // refused here, before it is made: only curators and admins import.
                if let role = try KeyDirectory(db).ownRoleBelowCurator() {
                    throw ReplicaError.importNotAllowed(user: identity.user.rawValue, role: role)
                }
                var imported: [String] = []
                var unchanged: [String] = []
                let applier = OperationApplier(db: db, now: wallClock.milliseconds())
                var builder = identity.changesetBuilder(now: wallClock.milliseconds())
                var pendingBytes = 0
                func flush() throws {
                    pendingBytes = 0
                    guard let changeset = try builder.build() else { return }
                    _ = try applier.apply(changeset, origin: .local)
                    builder = identity.changesetBuilder(now: wallClock.milliseconds(), clock: builder.clock)
                }
                for (index, file) in unique.enumerated() {
                    let existing = try String.fetchOne(
                        db, sql: "SELECT text FROM articles WHERE id = ?", arguments: [file.id.rawValue])
                    if let existing {
                        guard existing == file.text else {
                            throw ReplicaError.conflictingImport(article: file.id.rawValue, file: file.path)
                        }
                        unchanged.append(file.id.rawValue)
                    } else {
                        let title = TitleExtractor.title(of: file.text)
                        // Counted as the wire format writes it: escaping can make a text longer.
                        let bytes = Self.encodedLength(file.text)
                        if pendingBytes > 0, pendingBytes + bytes > Self.importChunkBytes { try flush() }
                        pendingBytes += bytes
                        try builder.add { _ in .importArticle(article: file.id, title: title, text: file.text) }
                        imported.append(file.id.rawValue)
                        if builder.operations.count >= Self.importChunk { try flush() }
                    }
                    progress(index + 1, unique.count)
                }
                try flush()
                try Self.store(clock: builder.clock, db)
                return ImportReport(imported: imported, unchanged: unchanged)
            }
        }
    }
}
