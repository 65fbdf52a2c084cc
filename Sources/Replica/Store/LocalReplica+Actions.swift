import GRDB
import SyncCore

// MARK: - Annotating

extension LocalReplica {
    /// What `annot tag` did for each tag.
    public struct TagResult: Sendable, Codable {
        public let article: String
        /// Tags newly added.
        public let added: [String]
        /// Tags the article already had.
        public let unchanged: [String]
    }

    /// Adds tags to an article. Tags it already has are left alone.
    /// - Parameters:
    ///   - articlePrefix: the article's id or a unique prefix of it.
    ///   - tags: tag names as typed; they are normalized (see ``SyncCore/TagName``).
    public func tag(_ articlePrefix: String, with tags: [String]) throws(ReplicaError) -> TagResult {
        let names = try Self.tagNames(tags)
        return try perform { db, builder in
            let article = try Self.article(articlePrefix, db)
            let articleID = try ArticleID(article)
            var added: [String] = []
            var unchanged: [String] = []
            for name in names {
                if try !Self.liveAdditions(article: article, tag: name.rawValue, db).isEmpty {
                    unchanged.append(name.rawValue)
                } else {
                    try builder.add { _ in .addTag(article: articleID, tag: name) }
                    added.append(name.rawValue)
                }
            }
            return TagResult(article: article, added: added, unchanged: unchanged)
        }.1
    }

    /// What ``untag(_:tags:)`` did.
    public struct UntagResult: Sendable, Codable {
        /// The article's full id.
        public let article: String
        /// The tags removed, normalized.
        public let removed: [String]
    }

    /// Removes tags from an article: cancels every addition of each tag that this replica
    /// has seen. An addition made concurrently elsewhere survives (add wins).
    /// - Throws: ``ReplicaError/tagNotOnArticle(article:tag:)`` if a tag is not on the article.
    public func untag(_ articlePrefix: String, tags: [String]) throws(ReplicaError) -> UntagResult {
        let names = try Self.tagNames(tags)
        return try perform { db, builder in
            let article = try Self.article(articlePrefix, db)
            let articleID = try ArticleID(article)
            for name in names {
                let additions = try Self.liveAdditions(article: article, tag: name.rawValue, db)
                guard !additions.isEmpty else {
                    throw ReplicaError.tagNotOnArticle(article: article, tag: name.rawValue)
                }
                // At most 1000 references an operation: more live additions (someone added
                // the tag over and over) take several removals, in the same changeset.
                for start in stride(from: 0, to: additions.count, by: WireFormat.maxReferences) {
                    let chunk = Array(additions[start..<min(additions.count, start + WireFormat.maxReferences)])
                    try builder.add { _ in .removeTag(article: articleID, tag: name, removes: chunk) }
                }
            }
            return UntagResult(article: article, removed: names.map(\.rawValue))
        }.1
    }

    static func tagNames(_ tags: [String]) throws(ReplicaError) -> [TagName] {
        var names: [TagName] = []
        for tag in tags {
            do {
                let name = try TagName(tag)
                if !names.contains(name) { names.append(name) }
            } catch {
                throw .invalid(error)
            }
        }
        return names
    }

    static func liveAdditions(article: String, tag: String, _ db: Database) throws -> [Timestamp] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT hlc FROM tag_additions WHERE article = ? AND tag = ? AND live = 1 ORDER BY hlc"),
            arguments: [article, tag]
        ).map { text in try Timestamp(parsing: text) }
    }

    /// Creates a note on an article. - Returns: the new note's id.
    public func addNote(_ articlePrefix: String, body: String) throws(ReplicaError) -> String {
        let body = try Self.noteBody(body)
        return try perform { db, builder in
            let article = try ArticleID(try Self.article(articlePrefix, db))
            let operation = try builder.add { time in
                .createNote(note: EntityID(creator: time), article: article, body: body, highlight: nil)
            }
            return EntityID(creator: operation.timestamp).rawValue
        }.1
    }

    /// Replaces a note's text. The edit supersedes every current version of the note, so
    /// it also resolves a conflict. - Returns: the note's full id.
    public func editNote(_ notePrefix: String, body: String) throws(ReplicaError) -> String {
        let body = try Self.noteBody(body)
        return try perform { db, builder in
            let (note, heads) = try Self.liveNote(notePrefix, db)
            try Self.supersede(heads, of: note, body: body, &builder)
            return note.rawValue
        }.1
    }

    /// Deletes a note (every version this replica has seen). - Returns: the note's full id.
    public func deleteNote(_ notePrefix: String) throws(ReplicaError) -> String {
        try perform { db, builder in
            let (note, heads) = try Self.liveNote(notePrefix, db)
            try Self.supersede(heads, of: note, body: nil, &builder)
            return note.rawValue
        }.1
    }

    /// Writes a note's new version (an edit with `body`, or a deletion) that supersedes every
    /// head. At most 1000 references an operation: with more heads (a thousand concurrent
    /// edits), the versions are chained in one changeset, each superseding the one before
    /// and the next thousand heads, so that the last one supersedes them all.
    static func supersede(_ heads: [Timestamp], of note: EntityID, body: String?, _ builder: inout ChangesetBuilder) throws {
        var remaining = heads[...]
        var previous: Timestamp?
        repeat {
            var base = previous.map { [$0] } ?? []
            let room = WireFormat.maxReferences - base.count
            base += remaining.prefix(room)
            remaining = remaining.dropFirst(room)
            let version = base
            previous = try builder.add { _ in
                body.map { .editNote(note: note, body: $0, base: version) } ?? .deleteNote(note: note, base: version)
            }.timestamp
        } while !remaining.isEmpty
    }

    static func liveNote(_ prefix: String, _ db: Database) throws -> (EntityID, [Timestamp]) {
        let id = try note(prefix, db)
        guard try NoteStore.isLive(id, db) else { throw ReplicaError.noteDeleted(id) }
        let heads = try NoteStore.heads(of: id, db).map(\.timestamp).sorted()
        return (try EntityID(id), heads)
    }

    static func noteBody(_ body: String) throws(ReplicaError) -> String {
        do {
            return try CreateNote.body(body)
        } catch {
            throw .invalid(error)
        }
    }

    /// What `annot highlight` made.
    public struct HighlightResult: Sendable, Codable {
        public let highlight: String
        public let note: String?
        public let start: Int
        public let end: Int
    }

    /// Highlights the `occurrence`-th appearance (1-based) of `quote` in an article, and
    /// attaches a note to it when `note` is given: one changeset, applied atomically.
    public func highlight(
        _ articlePrefix: String, quote: String, occurrence: Int? = nil, note: String? = nil
    ) throws(ReplicaError) -> HighlightResult {
        let noteBody = try note.map { (body: String) throws(ReplicaError) in try Self.noteBody(body) }
        return try perform { db, builder in
            let article = try Self.article(articlePrefix, db)
            let articleID = try ArticleID(article)
            guard let text = try String.fetchOne(db, sql: "SELECT text FROM articles WHERE id = ?", arguments: [article])
            else { throw ReplicaError.unknownArticle(articlePrefix) }
            let matches = QuoteLocator.occurrences(of: quote, in: text)
            guard !matches.isEmpty else { throw ReplicaError.quoteNotFound(article: article, quote: quote) }
            let index: Int
            if let occurrence {
                guard occurrence >= 1, occurrence <= matches.count else {
                    throw ReplicaError.noSuchOccurrence(article: article, occurrence: occurrence, occurrences: matches.count)
                }
                index = occurrence - 1
            } else {
                guard matches.count == 1 else { throw ReplicaError.ambiguousQuote(article: article, occurrences: matches.count) }
                index = 0
            }
            let selector = TextSelector(text: text, start: matches[index], end: matches[index] + quote.unicodeScalars.count)
            try selector.validate()
            let created = try builder.add { time in
                .createHighlight(highlight: EntityID(creator: time), article: articleID, selector: selector)
            }
            let highlight = EntityID(creator: created.timestamp)
            var noteID: String?
            if let noteBody {
                let made = try builder.add { time in
                    .createNote(note: EntityID(creator: time), article: articleID, body: noteBody, highlight: highlight)
                }
                noteID = EntityID(creator: made.timestamp).rawValue
            }
            return HighlightResult(highlight: highlight.rawValue, note: noteID, start: selector.start, end: selector.end)
        }.1
    }

    /// Deletes a highlight. - Returns: its full id.
    public func deleteHighlight(_ prefix: String) throws(ReplicaError) -> String {
        try perform { db, builder in
            let id = try Self.highlight(prefix, db)
            let entity = try EntityID(id)
            try builder.add { _ in .deleteHighlight(highlight: entity) }
            return id
        }.1
    }
}
