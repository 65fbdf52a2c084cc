/// The merged state of a corpus held in memory: the reference implementation of every
/// merge rule.
///
/// The server keeps its merged view in one of these; the property tests use it as the
/// model that the SQLite replica must agree with. Each kind (`Sources/SyncCore/Operations/`)
/// only records facts in grow-only sets (imports, tag additions, scoped tombstones, note
/// versions, scoped supersessions, deletions), and the state is derived from them, which
/// is what makes the result independent of delivery order and duplication.
public struct CorpusState: Sendable {
    struct NoteCreation: Sendable {
        let timestamp: Timestamp
        let author: UserName
        let article: ArticleID
        let highlight: EntityID?
        let replyTo: EntityID?
    }

    struct TagAddition: Sendable {
        let article: ArticleID
        let tag: TagName
        let highlight: EntityID?
    }

    /// A removal's cancellation of one addition, scoped to its article, code and highlight.
    struct TagTombstone: Sendable, Hashable {
        let addition: Timestamp
        let article: ArticleID
        let tag: TagName
        let highlight: EntityID?
    }

    /// A rename's, merge's or memo's supersession of one version, scoped to its code.
    struct CodeSupersession: Sendable, Hashable {
        let version: Timestamp
        let tag: TagName
    }

    /// An edit's or deletion's supersession of one version, scoped to its note.
    struct NoteSupersession: Sendable, Hashable {
        let version: Timestamp
        let note: EntityID
    }

    /// Whose status of which article (``ArticleStatus``).
    struct StatusKey: Sendable, Hashable {
        let article: ArticleID
        let user: UserName
    }

    struct StatusVersion: Sendable {
        let timestamp: Timestamp
        let done: Bool
    }

    /// A decision's supersession of one version, scoped to its register.
    struct DecisionSupersession: Sendable, Hashable {
        let version: Timestamp
        let key: DecisionKey
    }

    struct HighlightCreation: Sendable {
        let timestamp: Timestamp
        let author: UserName
        let article: ArticleID
        let selector: TextSelector
    }

    /// Every operation applied, by timestamp, with its content id.
    private(set) var applied: [Timestamp: OperationID] = [:]
    /// Per article, per distinct text (by ``ContentHash``), the earliest import of that text.
    var imports: [ArticleID: [String: ArticleImport]] = [:]
    var tagAdditions: [Timestamp: TagAddition] = [:]
    var tagTombstones: Set<TagTombstone> = []
    var noteCreations: [EntityID: NoteCreation] = [:]
    var noteVersions: [EntityID: [Timestamp: NoteVersion]] = [:]
    var supersessions: Set<NoteSupersession> = []
    var highlightCreations: [EntityID: HighlightCreation] = [:]
    var deletedHighlights: Set<EntityID> = []
    var codeMentions: [TagName: CodeMention] = [:]
    var tagVersions: [TagName: [Timestamp: TagVersion]] = [:]
    var tagSupersessions: Set<CodeSupersession> = []
    var memoVersions: [TagName: [Timestamp: NoteVersion]] = [:]
    var memoSupersessions: Set<CodeSupersession> = []
    /// Each user's latest status of each article.
    var statuses: [StatusKey: StatusVersion] = [:]
    var decisionVersions: [DecisionKey: [Timestamp: NoteVersion]] = [:]
    var decisionSupersessions: Set<DecisionSupersession> = []
    /// Changesets that an `undo` says were undone.
    public internal(set) var undone: Set<ChangesetID> = []

    public init() {}

    /// How many distinct operations have been applied.
    public var operationCount: Int { applied.count }

    /// Whether the operation with this timestamp has been applied.
    public func contains(_ timestamp: Timestamp) -> Bool { applied[timestamp] != nil }

    /// The content id of the operation held with `operation`'s timestamp, when it is a
    /// different operation (a collision), else `nil`.
    public func collision(with operation: SyncOperation) -> OperationID? {
        guard let held = applied[operation.timestamp], held != operation.id else { return nil }
        return held
    }

    /// Applies one operation. Applying an operation already applied changes nothing, and
    /// so does one that collides with a held operation (see ``collision(with:)``, which
    /// callers check first to refuse it loudly).
    /// - Returns: `false` when the operation was not new.
    /// - Complexity: O(1) amortized, but for removals and edits: O(references).
    @discardableResult
    public mutating func apply(_ operation: SyncOperation) -> Bool {
        guard applied[operation.timestamp] == nil else { return false }
        applied[operation.timestamp] = operation.id
        operation.action.body.merge(into: &self, operation)
        return true
    }

    /// Applies every operation of a changeset.
    /// - Returns: how many operations were new.
    @discardableResult
    public mutating func apply(_ changeset: Changeset) -> Int {
        changeset.operations.reduce(0) { count, operation in count + (apply(operation) ? 1 : 0) }
    }

    mutating func supersede(_ versions: [Timestamp], of note: EntityID) {
        for version in versions { supersessions.insert(NoteSupersession(version: version, note: note)) }
    }

    /// Records that `operation` names the code `tag`, and so each code above it: a code
    /// exists from the first operation that names it (its creator, in the codebook).
    mutating func mention(_ tag: TagName, _ operation: SyncOperation) {
        for name in tag.lineage {
            if let held = codeMentions[name], held.timestamp <= operation.timestamp { continue }
            codeMentions[name] = CodeMention(timestamp: operation.timestamp, author: operation.author)
        }
    }

    /// Records a version of a code's name and its supersession of `base`.
    mutating func addVersion(_ version: TagVersion, of tag: TagName, base: [Timestamp]) {
        for old in base { tagSupersessions.insert(CodeSupersession(version: old, tag: tag)) }
        tagVersions[tag, default: [:]][version.timestamp] = version
    }

    /// The current heads of a code's name: its versions that no version of the same code superseded.
    public func nameHeads(of tag: TagName) -> [TagVersion] {
        (tagVersions[tag] ?? [:]).values.filter { !tagSupersessions.contains(CodeSupersession(version: $0.timestamp, tag: tag)) }
    }

    /// The current heads of a code's memo.
    public func memoHeads(of tag: TagName) -> [NoteVersion] {
        (memoVersions[tag] ?? [:]).values.filter { !memoSupersessions.contains(CodeSupersession(version: $0.timestamp, tag: tag)) }
    }

    /// The current heads of a decision register.
    public func decisionHeads(of key: DecisionKey) -> [NoteVersion] {
        (decisionVersions[key] ?? [:]).values.filter {
            !decisionSupersessions.contains(DecisionSupersession(version: $0.timestamp, key: key))
        }
    }

    /// Every code named so far, placed in the codebook.
    public func places() -> [TagName: CodePlace] {
        CodebookResolver.places(of: codeMentions.keys, winner: { TagResolution(heads: nameHeads(of: $0)).winner }, known: { _ in nil })
    }

    /// The current heads of a note: its versions that no version of the same note superseded.
    public func heads(of note: EntityID) -> [NoteVersion] {
        (noteVersions[note] ?? [:]).values.filter {
            !supersessions.contains(NoteSupersession(version: $0.timestamp, note: note))
        }
    }

    /// Whether an addition is cancelled by a removal of the same tag on the same article.
    func isRemoved(_ time: Timestamp, _ addition: TagAddition) -> Bool {
        tagTombstones.contains(
            TagTombstone(addition: time, article: addition.article, tag: addition.tag, highlight: addition.highlight))
    }

    /// The live additions of the code `tag` (an id) on `article`, or on one of its
    /// highlights (what a removal made now must cancel).
    public func liveAdditions(of tag: TagName, on article: ArticleID, highlight: EntityID? = nil) -> [Timestamp] {
        tagAdditions.filter {
            $0.value.article == article && $0.value.tag == tag && $0.value.highlight == highlight && !isRemoved($0.key, $0.value)
        }.keys.sorted()
    }

    /// The merged state, in canonical form: each piece resolved as ``resolve(_:)`` does,
    /// coded spans kept while their highlight is live on the same article, and codes placed
    /// in the codebook.
    public func snapshot() -> CorpusSnapshot {
        let articles = imports.keys.compactMap(article)
        var tags: Set<CorpusSnapshot.Tagging> = []
        for (time, addition) in tagAdditions where !isRemoved(time, addition) {
            if let span = addition.highlight {
                // A span coding counts while its highlight is live, on the same article.
                guard highlight(span)?.article == addition.article else { continue }
            }
            tags.insert(CorpusSnapshot.Tagging(article: addition.article, tag: addition.tag, highlight: addition.highlight))
        }
        let places = places()
        let codes = codeMentions.map { id, mention in
            guard case .code(let registers) = resolve(.code(id)) else { preconditionFailure("a code resolves to registers") }
            let place = places[id]!
            return CorpusSnapshot.Code(
                id: id, name: place.path, mergedInto: place.representative == id ? nil : place.representative,
                created: mention.timestamp, createdBy: mention.author, memo: registers.memo,
                nameConflicts: registers.nameConflicts, memoConflicts: registers.memoConflicts)
        }
        let notes = noteCreations.keys.compactMap(note)
        let highlights = highlightCreations.keys.compactMap(highlight)
        let statuses = statuses.keys.compactMap(status)
        let decisions = decisionVersions.keys.compactMap(decision)
        return CorpusSnapshot(
            articles: articles, codes: codes, tags: Array(tags), notes: notes, highlights: highlights, statuses: statuses,
            decisions: decisions)
    }
}
