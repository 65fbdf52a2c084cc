/// `tag.merge`: folds the code `tag` into the code `into` (both ids), superseding the name
/// versions its author saw (`base`). The merged code's codings, memo and subtree count as
/// `into`'s from then on, wherever `into` is renamed or moved; a merge beats a concurrent
/// rename (``TagResolution``), and only a later rename of the merged code undoes it.
public struct MergeTag: OperationKind {
    public static let kind = "tag.merge"

    public let tag: TagName
    public let into: TagName
    public let base: [Timestamp]

    public init(tag: TagName, into: TagName, base: [Timestamp]) {
        self.tag = tag
        self.into = into
        self.base = base
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let tag = try fields.tag()
        let into = try fields.tag("into")
        guard tag != into else { throw .invalidValue(field: "into", reason: "a code cannot be merged into itself") }
        self.init(tag: tag, into: into, base: try fields.references("base", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("base", base)
        object.set("into", into.rawValue)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.mention(tag, operation)
        state.mention(into, operation)
        state.addVersion(
            TagVersion(timestamp: operation.timestamp, author: operation.author, value: .merge(into: into)), of: tag, base: base)
    }

    var summary: String { summary(naming: \.rawValue) }
    func summary(naming: (TagName) -> String) -> String { "merged code '\(tag)' into '\(naming(into))'" }
    var action: Action { .mergeTag(self) }
}
