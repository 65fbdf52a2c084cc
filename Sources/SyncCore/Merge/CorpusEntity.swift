/// One piece of the merged corpus that the merge rules resolve on its own: every fact an
/// operation records (``CorpusState``) is scoped to exactly one of these, so a piece's
/// state is a function of the operations about it alone, whatever else the log holds.
///
/// The server keeps its merged view in its store this way: for each operation it records
/// which pieces the operation is about, and after each push it resolves again just the
/// pieces the push touched, from their own operations, with the reference merge
/// (``CorpusState/resolve(_:)``). Two things span pieces and are left to the view: a
/// coded span counts only while its highlight is live on the same article, and codes are
/// placed in the codebook from every code's winning name (``CodebookResolver``).
public enum CorpusEntity: Sendable, Hashable {
    /// An article id, with every import of it.
    case article(ArticleID)
    /// One code on one article, or on one of its highlights: its additions and removals.
    case coding(article: ArticleID, tag: TagName, highlight: EntityID?)
    /// A note: its creation, edits and deletions.
    case note(EntityID)
    /// A highlight: its creation and deletion.
    case highlight(EntityID)
    /// A code's two registers, its name (renames, merges) and its memo.
    case code(TagName)
    /// One user's coding status of one article.
    case status(article: ArticleID, user: UserName)
    /// One decision register.
    case decision(DecisionKey)

    /// A stable text naming the piece, for a store's index: a kind letter and the
    /// piece's ids, separated by a character no id can hold (U+001F).
    public var key: String {
        let separator = "\u{1F}"
        switch self {
        case .article(let id): return "a" + separator + id.rawValue
        case .coding(let article, let tag, let highlight):
            return ["t", article.rawValue, tag.rawValue, highlight?.rawValue ?? ""].joined(separator: separator)
        case .note(let id): return "n" + separator + id.rawValue
        case .highlight(let id): return "h" + separator + id.rawValue
        case .code(let tag): return "c" + separator + tag.rawValue
        case .status(let article, let user): return ["s", article.rawValue, user.rawValue].joined(separator: separator)
        case .decision(let key):
            return ["d", key.article.rawValue, key.tag.rawValue, key.highlight?.rawValue ?? ""].joined(separator: separator)
        }
    }
}

/// What the reference merge makes of one ``CorpusEntity``, in the shapes of the export.
public enum ResolvedEntity: Sendable, Hashable {
    /// The article, or `nil` before any import of it arrived.
    case article(CorpusSnapshot.Article?)
    /// Whether some addition of the code to the article (or span) is live, before the
    /// span's own highlight is considered.
    case coding(live: Bool)
    /// The live note, or `nil` when it is deleted or its creation has not arrived.
    case note(CorpusSnapshot.Note?)
    /// The live highlight, or `nil` when it is deleted or its creation has not arrived.
    case highlight(CorpusSnapshot.Highlight?)
    /// The code's name register and memo.
    case code(CodeRegisters)
    /// The status, or `nil` before one arrived.
    case status(CorpusSnapshot.Status?)
    /// The standing decision, or `nil` when there is none (never made, or cleared).
    case decision(CorpusSnapshot.Decision?)
}

/// A code's registers, resolved: what the codebook needs besides its place.
public struct CodeRegisters: Sendable, Hashable {
    /// The winning name version, `nil` when the code was never renamed or merged.
    public let winner: TagVersion?
    /// The name versions that lost, newest first.
    public let nameConflicts: [CorpusSnapshot.CodeVersion]
    /// The memo, if any.
    public let memo: String?
    /// The memo versions that lost.
    public let memoConflicts: [CorpusSnapshot.NoteConflict]
}

/// The first operation that named a code: the code's creation in the codebook.
public struct CodeMention: Sendable, Hashable {
    public let timestamp: Timestamp
    public let author: UserName

    public init(timestamp: Timestamp, author: UserName) {
        self.timestamp = timestamp
        self.author = author
    }
}

extension CorpusState {
    /// The pieces of the corpus an operation records facts about, and the codes it names
    /// (each with the code above it), found by merging it alone.
    /// - Complexity: O(the operation's size).
    public static func entities(of operation: SyncOperation) -> (entities: Set<CorpusEntity>, mentions: [TagName: CodeMention]) {
        var state = CorpusState()
        state.apply(operation)
        var entities = Set<CorpusEntity>()
        for article in state.imports.keys { entities.insert(.article(article)) }
        for addition in state.tagAdditions.values {
            entities.insert(.coding(article: addition.article, tag: addition.tag, highlight: addition.highlight))
        }
        for tombstone in state.tagTombstones {
            entities.insert(.coding(article: tombstone.article, tag: tombstone.tag, highlight: tombstone.highlight))
        }
        for note in state.noteCreations.keys { entities.insert(.note(note)) }
        for note in state.noteVersions.keys { entities.insert(.note(note)) }
        for supersession in state.supersessions { entities.insert(.note(supersession.note)) }
        for highlight in state.highlightCreations.keys { entities.insert(.highlight(highlight)) }
        for highlight in state.deletedHighlights { entities.insert(.highlight(highlight)) }
        for tag in state.tagVersions.keys { entities.insert(.code(tag)) }
        for supersession in state.tagSupersessions { entities.insert(.code(supersession.tag)) }
        for tag in state.memoVersions.keys { entities.insert(.code(tag)) }
        for supersession in state.memoSupersessions { entities.insert(.code(supersession.tag)) }
        for key in state.statuses.keys { entities.insert(.status(article: key.article, user: key.user)) }
        for key in state.decisionVersions.keys { entities.insert(.decision(key)) }
        for supersession in state.decisionSupersessions { entities.insert(.decision(supersession.key)) }
        return (entities, state.codeMentions)
    }

    /// What this state makes of one piece. Holding just the operations about that piece
    /// (``entities(of:)``) gives the same answer as holding the whole log.
    public func resolve(_ entity: CorpusEntity) -> ResolvedEntity {
        switch entity {
        case .article(let id): return .article(article(id))
        case .coding(let article, let tag, let highlight):
            return .coding(live: !liveAdditions(of: tag, on: article, highlight: highlight).isEmpty)
        case .note(let id): return .note(note(id))
        case .highlight(let id): return .highlight(highlight(id))
        case .code(let tag):
            let name = TagResolution(heads: nameHeads(of: tag))
            let memo = NoteResolution(heads: memoHeads(of: tag))
            return .code(
                CodeRegisters(
                    winner: name.winner, nameConflicts: name.losers.map(CorpusSnapshot.CodeVersion.init), memo: memo.winner?.body,
                    memoConflicts: (memo.winner == nil ? [] : memo.losers).map(CorpusSnapshot.NoteConflict.init)))
        case .status(let article, let user): return .status(status(StatusKey(article: article, user: user)))
        case .decision(let key): return .decision(decision(key))
        }
    }

    func article(_ id: ArticleID) -> CorpusSnapshot.Article? {
        guard let byText = imports[id], !byText.isEmpty else { return nil }
        let all = byText.values.sorted { $0.timestamp < $1.timestamp }
        let winner = all[0]
        return CorpusSnapshot.Article(
            id: id, title: winner.title, text: winner.text, importedBy: winner.author, imported: winner.timestamp,
            conflictingImports: all.dropFirst().map {
                CorpusSnapshot.ConflictingImport(hlc: $0.timestamp, author: $0.author, title: $0.title, text: $0.text)
            })
    }

    func note(_ id: EntityID) -> CorpusSnapshot.Note? {
        guard let creation = noteCreations[id] else { return nil }
        let resolution = NoteResolution(heads: heads(of: id))
        guard !resolution.isDeleted else { return nil }
        return CorpusSnapshot.Note(
            id: id, article: creation.article, highlight: creation.highlight, replyTo: creation.replyTo, author: creation.author,
            created: creation.timestamp, resolution: resolution)
    }

    func highlight(_ id: EntityID) -> CorpusSnapshot.Highlight? {
        guard let creation = highlightCreations[id], !deletedHighlights.contains(id) else { return nil }
        return CorpusSnapshot.Highlight(
            id: id, article: creation.article, author: creation.author, created: creation.timestamp, selector: creation.selector)
    }

    func status(_ key: StatusKey) -> CorpusSnapshot.Status? {
        statuses[key].map { CorpusSnapshot.Status(article: key.article, user: key.user, done: $0.done, updated: $0.timestamp) }
    }

    func decision(_ key: DecisionKey) -> CorpusSnapshot.Decision? {
        let resolution = NoteResolution(heads: decisionHeads(of: key))
        guard resolution.winner != nil else { return nil }
        return CorpusSnapshot.Decision(key: key, resolution: resolution)
    }
}
