/// `tag.describe`: sets a code's memo (what the code means, when to apply it), superseding
/// the memo versions its author saw (`base`). An empty memo clears it. Memos merge like
/// notes (``NoteResolution``): concurrent edits are kept as conflicts, and an edit beats a
/// concurrent clearing.
public struct DescribeTag: OperationKind {
    public static let kind = "tag.describe"

    public let tag: TagName
    /// The memo; empty to clear it.
    public let memo: String
    public let base: [Timestamp]

    public init(tag: TagName, memo: String, base: [Timestamp]) {
        self.tag = tag
        self.memo = memo
        self.base = base
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let tag = try fields.tag()
        let memo = try Self.memo(try fields.string("memo"))
        self.init(tag: tag, memo: memo, base: try fields.references("base", before: stamp))
    }

    /// Checks a memo: no NUL, at most ``CreateNote/maxBodyBytes`` of UTF-8 (empty clears).
    public static func memo(_ text: String) throws(SyncCoreError) -> String {
        try WireText.text(text, field: "memo", maxBytes: CreateNote.maxBodyBytes)
    }

    func write(to object: inout WireObject) {
        object.set("base", base)
        object.set("memo", memo)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.mention(tag, operation)
        for version in base { state.memoSupersessions.insert(CorpusState.CodeSupersession(version: version, tag: tag)) }
        state.memoVersions[tag, default: [:]][operation.timestamp] = NoteVersion(
            timestamp: operation.timestamp, author: operation.author, body: memo.isEmpty ? nil : memo)
    }

    var summary: String { summary(naming: \.rawValue) }
    func summary(naming: (TagName) -> String) -> String {
        memo.isEmpty ? "cleared the memo of code '\(naming(tag))'" : "described code '\(naming(tag))': \(Action.excerpt(memo))"
    }
    var action: Action { .describeTag(self) }
}
