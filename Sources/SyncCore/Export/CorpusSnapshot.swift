import Foundation

/// The whole merged state of a corpus, as `annot export` prints it and the server serves it.
///
/// It holds nothing local to one replica (no sequence numbers, sync cursors or clock), and
/// every list has a defined order, so two replicas holding the same operations produce
/// byte-identical ``canonicalJSON()``: the convergence tests compare exactly that.
public struct CorpusSnapshot: Sendable, Hashable, Codable {
    /// An article and the import that defined it.
    public struct Article: Sendable, Hashable, Codable {
        public var id: ArticleID
        public var title: String
        public var text: String
        public var importedBy: UserName
        public var imported: Timestamp
        /// Imports of the same id with a different text, kept and reported rather than applied.
        public var conflictingImports: [ConflictingImport]

        public init(
            id: ArticleID, title: String, text: String, importedBy: UserName, imported: Timestamp,
            conflictingImports: [ConflictingImport]
        ) {
            self.id = id
            self.title = title
            self.text = text
            self.importedBy = importedBy
            self.imported = imported
            self.conflictingImports = conflictingImports
        }
    }

    /// An import that lost to an earlier import of the same article id with another text.
    public struct ConflictingImport: Sendable, Hashable, Codable {
        public var hlc: Timestamp
        public var author: UserName
        public var title: String
        public var text: String

        public init(hlc: Timestamp, author: UserName, title: String, text: String) {
            self.hlc = hlc
            self.author = author
            self.title = title
            self.text = text
        }
    }

    /// One code on one article, or on one of its highlights (a coded span).
    public struct Tagging: Sendable, Hashable, Codable, Comparable {
        public var article: ArticleID
        /// The code's id (``Code/id``).
        public var tag: TagName
        /// The highlight coded; absent for the whole article.
        public var highlight: EntityID?

        public init(article: ArticleID, tag: TagName, highlight: EntityID? = nil) {
            self.article = article
            self.tag = tag
            self.highlight = highlight
        }

        public static func < (lhs: Tagging, rhs: Tagging) -> Bool {
            (lhs.article, lhs.tag, lhs.highlight?.rawValue ?? "") < (rhs.article, rhs.tag, rhs.highlight?.rawValue ?? "")
        }
    }

    /// One code of the codebook: its stable id, where it sits now, and its memo.
    public struct Code: Sendable, Hashable, Codable {
        /// The code's id, which codings name: the name it was first used with.
        public var id: TagName
        /// Its path now (``CodePlace/path``): the name views show.
        public var name: String
        /// The code it was merged into, whose name and codings it shares; absent if none.
        public var mergedInto: TagName?
        /// The first operation that named it (or a code below it), and its author.
        public var created: Timestamp
        public var createdBy: UserName
        /// Its memo, if any.
        public var memo: String?
        /// Concurrent renames or merges that lost (``TagResolution``).
        public var nameConflicts: [CodeVersion]
        /// Concurrent memo edits that lost.
        public var memoConflicts: [NoteConflict]

        public init(
            id: TagName, name: String, mergedInto: TagName?, created: Timestamp, createdBy: UserName, memo: String?,
            nameConflicts: [CodeVersion], memoConflicts: [NoteConflict]
        ) {
            self.id = id
            self.name = name
            self.mergedInto = mergedInto
            self.created = created
            self.createdBy = createdBy
            self.memo = memo
            self.nameConflicts = nameConflicts
            self.memoConflicts = memoConflicts
        }
    }

    /// A version of a code's name, as a conflict: a rename (`label` under `parent`) or a
    /// merge (`into`).
    public struct CodeVersion: Sendable, Hashable, Codable {
        public var hlc: Timestamp
        public var author: UserName
        public var label: String?
        public var parent: TagName?
        public var into: TagName?

        public init(_ version: TagVersion) {
            hlc = version.timestamp
            author = version.author
            switch version.value {
            case .name(let parent, let label):
                self.label = label
                self.parent = parent
            case .merge(let into):
                self.into = into
            }
        }
    }

    /// A version of a note that is not the displayed one: a concurrent edit or deletion.
    public struct NoteConflict: Sendable, Hashable, Codable {
        public var hlc: Timestamp
        public var author: UserName
        /// The text of the losing edit, or `nil` for a concurrent deletion.
        public var body: String?

        public init(_ version: NoteVersion) {
            self.hlc = version.timestamp
            self.author = version.author
            self.body = version.body
        }

        public func encode(to encoder: any Encoder) throws {
            // Always write `body`, as null for a deletion: one shape for every entry.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hlc, forKey: .hlc)
            try container.encode(author, forKey: .author)
            try container.encode(body, forKey: .body)
        }
    }

    /// A live note with its displayed text and any unresolved conflicts.
    public struct Note: Sendable, Hashable, Codable {
        public var id: EntityID
        public var article: ArticleID
        public var highlight: EntityID?
        /// The note this one replies to; absent for a note that starts a thread.
        public var replyTo: EntityID?
        public var author: UserName
        public var created: Timestamp
        public var body: String
        public var updated: Timestamp
        public var updatedBy: UserName
        public var conflicts: [NoteConflict]

        public init(
            id: EntityID, article: ArticleID, highlight: EntityID?, replyTo: EntityID? = nil, author: UserName,
            created: Timestamp, resolution: NoteResolution
        ) {
            precondition(resolution.winner != nil, "a snapshot holds live notes only")
            self.id = id
            self.article = article
            self.highlight = highlight
            self.replyTo = replyTo
            self.author = author
            self.created = created
            self.body = resolution.winner!.body!
            self.updated = resolution.winner!.timestamp
            self.updatedBy = resolution.winner!.author
            self.conflicts = resolution.losers.map(NoteConflict.init)
        }
    }

    /// A live highlight.
    public struct Highlight: Sendable, Hashable, Codable {
        public var id: EntityID
        public var article: ArticleID
        public var author: UserName
        public var created: Timestamp
        public var selector: TextSelector

        public init(id: EntityID, article: ArticleID, author: UserName, created: Timestamp, selector: TextSelector) {
            self.id = id
            self.article = article
            self.author = author
            self.created = created
            self.selector = selector
        }
    }

    /// One user's coding status of one article (``ArticleStatus``).
    public struct Status: Sendable, Hashable, Codable {
        public var article: ArticleID
        public var user: UserName
        public var done: Bool
        public var updated: Timestamp

        public init(article: ArticleID, user: UserName, done: Bool, updated: Timestamp) {
            self.article = article
            self.user = user
            self.done = done
            self.updated = updated
        }
    }

    /// A curator's standing decision on one code for one article or span (``DecideTag``),
    /// with concurrent decisions that lost.
    public struct Decision: Sendable, Hashable, Codable {
        public var article: ArticleID
        /// The code's id.
        public var tag: TagName
        public var highlight: EntityID?
        /// `accept` or `reject`.
        public var decision: String
        public var decidedBy: UserName
        public var decided: Timestamp
        /// Concurrent decisions (`body`: `accept`, `reject`, or null for a clearing).
        public var conflicts: [NoteConflict]

        public init(key: DecisionKey, resolution: NoteResolution) {
            precondition(resolution.winner != nil, "a snapshot holds standing decisions only")
            article = key.article
            tag = key.tag
            highlight = key.highlight
            decision = resolution.winner!.body!
            decidedBy = resolution.winner!.author
            decided = resolution.winner!.timestamp
            conflicts = resolution.losers.map(NoteConflict.init)
        }

        var key: DecisionKey { DecisionKey(article: article, tag: tag, highlight: highlight) }
    }

    /// Articles, by id.
    public var articles: [Article]
    /// Every code named, by id.
    public var codes: [Code]
    /// Codes on articles and spans, by article, code id, then highlight.
    public var tags: [Tagging]
    /// Live notes, by creation timestamp.
    public var notes: [Note]
    /// Live highlights, by creation timestamp.
    public var highlights: [Highlight]

    /// Each user's status of each article they marked, by article then user.
    public var statuses: [Status]
    /// Standing decisions, by article, code id, then highlight.
    public var decisions: [Decision]

    /// Builds a snapshot, putting every list in canonical order.
    public init(
        articles: [Article], codes: [Code], tags: [Tagging], notes: [Note], highlights: [Highlight], statuses: [Status] = [],
        decisions: [Decision] = []
    ) {
        self.statuses = statuses.sorted { ($0.article, $0.user) < ($1.article, $1.user) }
        self.decisions = decisions.sorted { $0.key < $1.key }
        self.articles = articles.sorted { $0.id < $1.id }
        self.codes = codes.sorted { $0.id < $1.id }
        self.tags = tags.sorted()
        self.notes = notes.sorted { $0.created < $1.created }
        self.highlights = highlights.sorted { $0.created < $1.created }
    }

    /// The export format's version: 2 added the codebook (`codes`), span codings and
    /// replies; 3 added coding statuses (`statuses`) and decisions (`decisions`).
    public static let version = 3

    /// The canonical JSON form: sorted keys, two-space indentation, a final newline.
    public func canonicalJSON() -> Data {
        var data = Data()
        for chunk in canonicalJSONChunks() { data.append(contentsOf: chunk) }
        return data
    }

    /// ``canonicalJSON()`` in pieces of about `chunkBytes` bytes, made one after the other
    /// as they are asked for: a server streams an export without building it whole.
    ///
    /// The bytes are those of `JSONEncoder` with sorted keys, pretty printing and unescaped
    /// slashes encoding the document `{articles, codes, decisions, format, highlights, notes, statuses, tags, version}`;
    /// each element is encoded on its own and indented, which gives the same bytes since no
    /// JSON string holds a raw newline.
    public func canonicalJSONChunks(chunkBytes: Int = 64 * 1024) -> CanonicalJSONChunks {
        CanonicalJSONChunks(snapshot: self, chunkBytes: chunkBytes)
    }

    /// The pieces of a snapshot's canonical JSON (``CorpusSnapshot/canonicalJSONChunks(chunkBytes:)``).
    public struct CanonicalJSONChunks: Sequence, Sendable {
        let snapshot: CorpusSnapshot
        let chunkBytes: Int

        public func makeIterator() -> Iterator { Iterator(snapshot: snapshot, chunkBytes: chunkBytes) }

        public struct Iterator: IteratorProtocol {
            /// One piece of the document: a fixed text or one element of a list.
            private enum Piece {
                case text([UInt8])
                case element(list: CanonicalDocument.List, index: Int)
            }

            private let snapshot: CorpusSnapshot
            private let chunkBytes: Int
            private var pieces: [Piece] = []
            private var position = 0

            init(snapshot: CorpusSnapshot, chunkBytes: Int) {
                self.snapshot = snapshot
                self.chunkBytes = Swift.max(1, chunkBytes)
                pieces.append(.text(CanonicalDocument.opening))
                for list in CanonicalDocument.List.allCases {
                    let count = snapshot.count(of: list)
                    pieces.append(.text(CanonicalDocument.open(list)))
                    for index in 0..<count {
                        if index > 0 { pieces.append(.text(CanonicalDocument.separator)) }
                        pieces.append(.element(list: list, index: index))
                    }
                    pieces.append(.text(CanonicalDocument.close))
                }
                pieces.append(.text(CanonicalDocument.closing))
            }

            public mutating func next() -> Data? {
                guard position < pieces.count else { return nil }
                var chunk = Data()
                while position < pieces.count, chunk.count < chunkBytes {
                    switch pieces[position] {
                    case .text(let text): chunk.append(contentsOf: text)
                    case .element(let list, let index):
                        CanonicalDocument.append(element: snapshot.encodedElement(list, index), to: &chunk)
                    }
                    position += 1
                }
                return chunk
            }
        }
    }

    func count(of list: CanonicalDocument.List) -> Int {
        switch list {
        case .articles: articles.count
        case .codes: codes.count
        case .decisions: decisions.count
        case .highlights: highlights.count
        case .notes: notes.count
        case .statuses: statuses.count
        case .tags: tags.count
        }
    }

    func encodedElement(_ list: CanonicalDocument.List, _ index: Int) -> Data {
        switch list {
        case .articles: CanonicalDocument.encode(articles[index])
        case .codes: CanonicalDocument.encode(codes[index])
        case .decisions: CanonicalDocument.encode(decisions[index])
        case .highlights: CanonicalDocument.encode(highlights[index])
        case .notes: CanonicalDocument.encode(notes[index])
        case .statuses: CanonicalDocument.encode(statuses[index])
        case .tags: CanonicalDocument.encode(tags[index])
        }
    }
}
