import SyncCore

// The values that replica queries return. All are Codable: `--json` prints them as they are.

/// One line of `annot list`.
public struct ArticleSummary: Sendable, Hashable, Codable {
    public let id: String
    public let title: String
    public let tags: [String]
    public let notes: Int
    public let highlights: Int
    /// Highlights carrying a code (with `--tag`, the code or one below it).
    public let spans: Int
    public let characters: Int
}

/// Everything `annot show` displays about one article.
public struct ArticleDetail: Sendable, Hashable, Codable {
    public let id: String
    public let title: String
    public let text: String
    public let importedBy: String
    public let imported: String
    public let tags: [String]
    public let notes: [NoteRecord]
    public let highlights: [HighlightRecord]
}

/// A live note as `annot notes` lists it.
public struct NoteRecord: Sendable, Hashable, Codable {
    public let id: String
    public let article: String
    public let highlight: String?
    /// The note this one replies to, if any.
    public let replyTo: String?
    public let author: String
    public let created: String
    public let body: String
    public let updated: String
    public let updatedBy: String
    public let conflicted: Bool
}

/// A live highlight.
public struct HighlightRecord: Sendable, Hashable, Codable {
    public let id: String
    public let article: String
    public let author: String
    public let created: String
    public let exact: String
    public let prefix: String
    public let suffix: String
    public let start: Int
    public let end: Int
    /// The codes on this span, by path.
    public let tags: [String]
}

/// One entry of `annot tags`: a code (by path) and how many articles and spans carry it.
public struct TagCount: Sendable, Hashable, Codable {
    public let tag: String
    /// Articles coded with it as a whole.
    public let articles: Int
    /// Highlights coded with it.
    public let spans: Int
}

/// One result of `annot search`.
public struct SearchHit: Sendable, Hashable, Codable {
    /// `article` or `note`.
    public let kind: String
    public let article: String
    public let title: String
    /// The note's id, for note hits.
    public let note: String?
    /// The matching passage, with matches between `[` and `]`.
    public let snippet: String
}

/// One entry of `annot log`: who did what, when.
public struct LogEntry: Sendable, Hashable, Codable {
    public let seq: Int
    public let hlc: String
    /// Wall time of the operation, ISO 8601 in UTC.
    public let time: String
    public let author: String
    public let kind: String
    public let article: String?
    public let summary: String
    public let origin: String
    /// The changeset the operation belongs to (`annot undo` takes it, or a unique prefix).
    public let changeset: String
}

/// What `annot conflicts` reports.
public struct ConflictReport: Sendable, Hashable, Codable {
    /// A note whose concurrent writes have not been reconciled yet.
    public struct NoteConflict: Sendable, Hashable, Codable {
        public let note: String
        public let article: String
        /// The displayed version: the newest edit.
        public let current: Version
        /// The other concurrent versions, newest first; `body` is null for a deletion.
        public let others: [Version]
    }

    /// One version of a note.
    public struct Version: Sendable, Hashable, Codable {
        public let hlc: String
        public let author: String
        public let body: String?
    }

    /// An import of an existing article id with a different text, kept aside.
    public struct ImportConflict: Sendable, Hashable, Codable {
        public let article: String
        public let hlc: String
        public let author: String
        public let title: String
    }

    /// A code renamed (or merged) concurrently: the name shown, and the versions that lost.
    public struct CodeConflict: Sendable, Hashable, Codable {
        /// The code's id.
        public let id: String
        /// Its path now.
        public let tag: String
        public let current: CodeVersionRecord
        public let others: [CodeVersionRecord]
    }

    /// A code's memo edited concurrently.
    public struct MemoConflict: Sendable, Hashable, Codable {
        public let id: String
        public let tag: String
        public let current: Version
        public let others: [Version]
    }

    public let notes: [NoteConflict]
    public let imports: [ImportConflict]
    public let codes: [CodeConflict]
    public let memos: [MemoConflict]

    public var isEmpty: Bool { notes.isEmpty && imports.isEmpty && codes.isEmpty && memos.isEmpty }
}

/// What `annot import` did.
public struct ImportReport: Sendable, Hashable, Codable {
    public let imported: [String]
    public let unchanged: [String]
}

/// What `annot apply` (or a pull) did.
public struct ApplyReport: Sendable, Hashable, Codable {
    public var changesets: Int = 0
    public var operations: Int = 0
    /// Operations this replica did not hold yet.
    public var applied: Int = 0
    /// Operations it already held (harmless duplicates).
    public var duplicates: Int = 0
    /// Changesets held back, not applied: their key is not in the directory yet (see
    /// `annot status`), or they import articles and their signer is not known as a curator.
    public var held: Int = 0

    public init() {}

    /// Adds the counts of another report to this one.
    public mutating func add(_ other: ApplyReport) {
        changesets += other.changesets
        operations += other.operations
        applied += other.applied
        duplicates += other.duplicates
        held += other.held
    }
}

/// A page of this replica's operations, as `annot changes` writes them.
public struct ChangesPage: Sendable {
    /// The wire-format document.
    public let document: [UInt8]
    /// How many operations it holds.
    public let operations: Int
    /// Pass this to `--since` next time to get only what is newer.
    public let cursor: Int
}

/// One version of a code's name: a rename to `name` (the path it gave, its parent as it is
/// called now), or a merge into the code now called `mergedInto`.
public struct CodeVersionRecord: Sendable, Hashable, Codable {
    public let hlc: String
    public let author: String
    public let name: String?
    public let mergedInto: String?
}

/// One code of `annot codebook`.
public struct CodebookEntry: Sendable, Hashable, Codable {
    /// The code's path.
    public let tag: String
    /// The ids of the codes shown under this path (more than one after a merge, or when
    /// codes were given one name concurrently).
    public let ids: [String]
    public let memo: String?
    /// Who first used the code, and when (ISO 8601).
    public let createdBy: String
    public let created: String
    public let articles: Int
    public let spans: Int
    /// Whether a concurrent rename or memo edit awaits a decision (`annot conflicts`).
    public let conflicted: Bool
}

/// One line of `annot blame`: a code, note or highlight on an article, who made it, when.
public struct BlameEntry: Sendable, Hashable, Codable {
    /// `tag`, `span-tag`, `highlight`, `note` or `reply`.
    public let kind: String
    /// The code's path, the highlight's quote, or the note's text.
    public let what: String
    /// The highlight or note id, if any.
    public let id: String?
    public let author: String
    /// ISO 8601 time, and the hlc, of the operation that made it.
    public let time: String
    public let hlc: String
    public let changeset: String
}

/// What `annot undo` did.
public struct UndoResult: Sendable, Hashable, Codable {
    /// The changeset undone.
    public let undone: String
    /// The changeset made to undo it.
    public let changeset: String
    /// Each operation written, in words.
    public let operations: [String]
}
