/// The merged state of a corpus held in memory: the reference implementation of every
/// merge rule.
///
/// The server keeps its merged view in one of these; the property tests use it as the
/// model that the SQLite replica must agree with. Each rule only records facts that are
/// grow-only sets (imports, tag additions, tombstones, note versions, supersessions,
/// deletions) and derives state from them, which is what makes the result independent of
/// delivery order and duplication.
public struct CorpusState: Sendable {
    private struct Creation: Sendable {
        let timestamp: Timestamp
        let author: UserName
        let article: ArticleID
        let highlight: EntityID?
    }

    private struct TagAddition: Sendable {
        let article: ArticleID
        let tag: TagName
    }

    private struct HighlightCreation: Sendable {
        let timestamp: Timestamp
        let author: UserName
        let article: ArticleID
        let selector: TextSelector
    }

    private var applied: Set<Timestamp> = []
    /// Per article, per distinct text, the earliest import with that text.
    private var imports: [ArticleID: [String: ArticleImport]] = [:]
    private var tagAdditions: [Timestamp: TagAddition] = [:]
    private var tagTombstones: Set<Timestamp> = []
    private var noteCreations: [EntityID: Creation] = [:]
    private var noteVersions: [EntityID: [Timestamp: NoteVersion]] = [:]
    private var superseded: Set<Timestamp> = []
    private var highlightCreations: [EntityID: HighlightCreation] = [:]
    private var deletedHighlights: Set<EntityID> = []

    public init() {}

    /// How many distinct operations have been applied.
    public var operationCount: Int { applied.count }

    /// Whether the operation with this id has been applied.
    public func contains(_ id: Timestamp) -> Bool { applied.contains(id) }

    /// Applies one operation. Applying an operation already applied changes nothing.
    /// - Returns: `false` when the operation was a duplicate.
    /// - Complexity: O(1) amortized, but for removals and edits: O(references).
    @discardableResult
    public mutating func apply(_ operation: SyncOperation) -> Bool {
        guard applied.insert(operation.id).inserted else { return false }
        let time = operation.timestamp
        switch operation.action {
        case .importArticle(let article, let title, let text):
            let candidate = ArticleImport(timestamp: time, author: operation.author, article: article, title: title, text: text)
            if let existing = imports[article]?[text], !ArticleResolution.prefers(time, over: existing.timestamp) {
                break
            }
            imports[article, default: [:]][text] = candidate
        case .addTag(let article, let tag):
            tagAdditions[time] = TagAddition(article: article, tag: tag)
        case .removeTag(_, _, let removes):
            tagTombstones.formUnion(removes)
        case .createNote(let note, let article, let body, let highlight):
            noteCreations[note] = Creation(timestamp: time, author: operation.author, article: article, highlight: highlight)
            noteVersions[note, default: [:]][time] = NoteVersion(timestamp: time, author: operation.author, body: body)
        case .editNote(let note, let body, let base):
            superseded.formUnion(base)
            noteVersions[note, default: [:]][time] = NoteVersion(timestamp: time, author: operation.author, body: body)
        case .deleteNote(let note, let base):
            superseded.formUnion(base)
            noteVersions[note, default: [:]][time] = NoteVersion(timestamp: time, author: operation.author, body: nil)
        case .createHighlight(let highlight, let article, let selector):
            highlightCreations[highlight] = HighlightCreation(
                timestamp: time, author: operation.author, article: article, selector: selector)
        case .deleteHighlight(let highlight):
            deletedHighlights.insert(highlight)
        }
        return true
    }

    /// Applies every operation of a changeset.
    /// - Returns: how many operations were new.
    @discardableResult
    public mutating func apply(_ changeset: Changeset) -> Int {
        changeset.operations.reduce(0) { count, operation in count + (apply(operation) ? 1 : 0) }
    }

    /// The current heads of a note: its versions that no other version has superseded.
    public func heads(of note: EntityID) -> [NoteVersion] {
        (noteVersions[note] ?? [:]).values.filter { !superseded.contains($0.timestamp) }
    }

    /// The live tag additions of `tag` on `article` (what a removal made now must cancel).
    public func liveAdditions(of tag: TagName, on article: ArticleID) -> [Timestamp] {
        tagAdditions.filter { $0.value.article == article && $0.value.tag == tag && !tagTombstones.contains($0.key) }
            .keys.sorted()
    }

    /// The merged state, in canonical form.
    public func snapshot() -> CorpusSnapshot {
        var articles: [CorpusSnapshot.Article] = []
        for (id, byText) in imports {
            let all = byText.values.sorted { $0.timestamp < $1.timestamp }
            let winner = all[0]
            articles.append(
                CorpusSnapshot.Article(
                    id: id, title: winner.title, text: winner.text, importedBy: winner.author, imported: winner.timestamp,
                    conflictingImports: all.dropFirst().map {
                        CorpusSnapshot.ConflictingImport(hlc: $0.timestamp, author: $0.author, title: $0.title, text: $0.text)
                    }
                ))
        }
        var tags: Set<CorpusSnapshot.Tagging> = []
        for (time, addition) in tagAdditions where !tagTombstones.contains(time) {
            tags.insert(CorpusSnapshot.Tagging(article: addition.article, tag: addition.tag))
        }
        var notes: [CorpusSnapshot.Note] = []
        for (id, creation) in noteCreations {
            let resolution = NoteResolution(heads: heads(of: id))
            guard !resolution.isDeleted else { continue }
            notes.append(
                CorpusSnapshot.Note(
                    id: id, article: creation.article, highlight: creation.highlight, author: creation.author,
                    created: creation.timestamp, resolution: resolution))
        }
        let highlights = highlightCreations.compactMap { id, creation -> CorpusSnapshot.Highlight? in
            guard !deletedHighlights.contains(id) else { return nil }
            return CorpusSnapshot.Highlight(
                id: id, article: creation.article, author: creation.author, created: creation.timestamp,
                selector: creation.selector)
        }
        return CorpusSnapshot(articles: articles, tags: Array(tags), notes: notes, highlights: highlights)
    }
}
