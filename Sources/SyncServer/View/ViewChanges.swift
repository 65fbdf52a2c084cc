import SyncCore

/// What one step of the merged view writes to the store, in one transaction with the move
/// of its cursor (``MergedViewStore/viewStep(_:)``): the pieces the step's
/// operations are about, each resolved again from all of its operations.
public struct ViewChanges: Sendable {
    /// Which operations (by seq) are about which piece (``CorpusEntity/key``).
    public var entityOperations: [(entity: String, seq: Int64)] = []
    /// Articles to write (an article never goes away once imported).
    public var articles: [CorpusSnapshot.Article] = []
    /// Notes by id: the live note, or `nil` to remove it from the view (deleted).
    public var notes: [EntityID: CorpusSnapshot.Note?] = [:]
    /// Highlights by id: the live highlight, or `nil` to remove it (deleted).
    public var highlights: [EntityID: CorpusSnapshot.Highlight?] = [:]
    /// Codings and whether some addition of each is live.
    public var codings: [CorpusSnapshot.Tagging: Bool] = [:]
    /// Statuses to write.
    public var statuses: [CorpusSnapshot.Status] = []
    /// Decision registers by key: the standing decision, or `nil` to remove it (cleared).
    public var decisions: [DecisionKey: CorpusSnapshot.Decision?] = [:]
    /// Codes to write whole: new, renamed, memo changed, created earlier, or placed anew.
    public var codes: [ViewCode] = []

    public init() {}

    /// Whether the step writes anything but its cursor.
    public var isEmpty: Bool {
        entityOperations.isEmpty && articles.isEmpty && notes.isEmpty && highlights.isEmpty && codings.isEmpty
            && statuses.isEmpty && decisions.isEmpty && codes.isEmpty
    }

    /// Records what a piece resolved to.
    mutating func record(_ entity: CorpusEntity, _ resolved: ResolvedEntity) {
        switch (entity, resolved) {
        case (.article, .article(let article)): if let article { articles.append(article) }
        case (.coding(let article, let tag, let highlight), .coding(let live)):
            codings[CorpusSnapshot.Tagging(article: article, tag: tag, highlight: highlight)] = live
        case (.note(let id), .note(let note)): notes[id] = .some(note)
        case (.highlight(let id), .highlight(let highlight)): highlights[id] = .some(highlight)
        case (.status, .status(let status)): if let status { statuses.append(status) }
        case (.decision(let key), .decision(let decision)): decisions[key] = .some(decision)
        default: break  // codes are placed as a whole, by ``ViewUpdate/placeCodes``
        }
    }
}
