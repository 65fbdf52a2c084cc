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

    /// Codes an article, or one of its highlights (`highlight`, an id or unique prefix),
    /// with codes named by path. Codes it already has are left alone; a path no code has
    /// makes a new code (``CodeMaker``).
    /// - Parameters:
    ///   - articlePrefix: the article's id or a unique prefix of it.
    ///   - tags: code paths as typed; they are normalized (see ``SyncCore/TagName``).
    public func tag(_ articlePrefix: String, with tags: [String], highlight: String? = nil) throws(ReplicaError) -> TagResult {
        let paths = try Self.codePaths(tags)
        return try perform { db, builder in
            let article = try Self.article(articlePrefix, db)
            let articleID = try ArticleID(article)
            let span = try highlight.map { try Self.highlight($0, on: article, db) }
            var maker = CodeMaker()
            var added: [String] = []
            var unchanged: [String] = []
            for path in paths {
                if try !Self.liveAdditions(article: article, path: path, highlight: span, db).isEmpty {
                    unchanged.append(path)
                } else {
                    let code = try maker.code(at: path, db, &builder)
                    try builder.add { _ in .addTag(article: articleID, tag: code, highlight: span) }
                    added.append(path)
                }
            }
            return TagResult(article: article, added: added, unchanged: unchanged)
        }.1
    }

    /// What ``untag(_:tags:highlight:)`` did.
    public struct UntagResult: Sendable, Codable {
        /// The article's full id.
        public let article: String
        /// The codes removed, by path.
        public let removed: [String]
    }

    /// Removes codes from an article (or one of its highlights): cancels every addition of
    /// each code that this replica has seen. An addition made concurrently elsewhere
    /// survives (add wins).
    /// - Throws: ``ReplicaError/tagNotOnArticle(article:tag:)`` if a code is not on the article.
    public func untag(_ articlePrefix: String, tags: [String], highlight: String? = nil) throws(ReplicaError) -> UntagResult {
        let paths = try Self.codePaths(tags)
        return try perform { db, builder in
            let article = try Self.article(articlePrefix, db)
            let articleID = try ArticleID(article)
            let span = try highlight.map { try Self.highlight($0, on: article, db) }
            for path in paths {
                let additions = try Self.liveAdditions(article: article, path: path, highlight: span, db)
                guard !additions.isEmpty else {
                    throw ReplicaError.tagNotOnArticle(article: article, tag: path)
                }
                // One removal per code id (codes merged or named alike share a path); at
                // most 1000 references an operation: more live additions (someone added
                // the code over and over) take several removals, in the same changeset.
                for code in Set(additions.map(\.tag)).sorted() {
                    let times = additions.filter { $0.tag == code }.map(\.hlc)
                    for start in stride(from: 0, to: times.count, by: WireFormat.maxReferences) {
                        let chunk = Array(times[start..<min(times.count, start + WireFormat.maxReferences)])
                        try builder.add { _ in .removeTag(article: articleID, tag: code, highlight: span, removes: chunk) }
                    }
                }
            }
            return UntagResult(article: article, removed: paths)
        }.1
    }

    /// Normalizes code paths as typed, without repeats.
    static func codePaths(_ tags: [String]) throws(ReplicaError) -> [String] {
        var paths: [String] = []
        for tag in tags {
            let path = try codePath(tag)
            if !paths.contains(path) { paths.append(path) }
        }
        return paths
    }

    /// A live highlight of `article`, by id or unique prefix.
    static func highlight(_ prefix: String, on article: String, _ db: Database) throws -> EntityID {
        let id = try highlight(prefix, db)
        guard try String.fetchOne(db, sql: "SELECT article FROM highlights WHERE id = ?", arguments: [id]) == article else {
            throw ReplicaError.unknownHighlight(prefix)
        }
        return try EntityID(id)
    }

    /// The live additions, by code id and timestamp, of the codes shown under `path` on an
    /// article as a whole (or on one highlight).
    static func liveAdditions(
        article: String, path: String, highlight: EntityID?, _ db: Database
    ) throws -> [(tag: TagName, hlc: Timestamp)] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT t.tag, t.hlc FROM tag_additions t JOIN codes c ON c.id = t.tag
                    WHERE t.article = ? AND c.path = ? AND t.live = 1 AND t.highlight IS ? ORDER BY t.hlc
                    """),
            arguments: [article, path, highlight?.rawValue]
        ).map { (TagName(normalized: $0["tag"]), try Timestamp(parsing: $0["hlc"])) }
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

    /// Replies to a note: a new note in its thread, on the same article. - Returns: the
    /// reply's id.
    public func reply(to notePrefix: String, body: String) throws(ReplicaError) -> String {
        let body = try Self.noteBody(body)
        return try perform { db, builder in
            let (parent, _) = try Self.liveNote(notePrefix, db)
            let row = try Row.fetchOne(db, sql: "SELECT article, highlight FROM notes WHERE id = ?", arguments: [parent.rawValue])!
            let article = try ArticleID(row["article"] as String)
            let highlight = try (row["highlight"] as String?).map { try EntityID($0) }
            let operation = try builder.add { time in
                .createNote(note: EntityID(creator: time), article: article, body: body, highlight: highlight, replyTo: parent)
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
        /// The codes on the new span, by path.
        public let tags: [String]
    }

    /// Highlights the `occurrence`-th appearance (1-based) of `quote` in an article, and
    /// attaches a note to it when `note` is given: one changeset, applied atomically.
    ///
    /// With `tags`, the highlight is a coded span: each code (by path) is added to it.
    public func highlight(
        _ articlePrefix: String, quote: String, occurrence: Int? = nil, note: String? = nil, tags: [String] = []
    ) throws(ReplicaError) -> HighlightResult {
        let noteBody = try note.map { (body: String) throws(ReplicaError) in try Self.noteBody(body) }
        let paths = try Self.codePaths(tags)
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
            var maker = CodeMaker()
            for path in paths {
                let code = try maker.code(at: path, db, &builder)
                try builder.add { _ in .addTag(article: articleID, tag: code, highlight: highlight) }
            }
            return HighlightResult(
                highlight: highlight.rawValue, note: noteID, start: selector.start, end: selector.end, tags: paths)
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
