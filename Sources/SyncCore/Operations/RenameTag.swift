/// `tag.rename`: names a code `label`, under the code `parent` (an id) or at the top,
/// superseding the name versions its author saw (`base`). Moving a code is renaming it
/// under another parent; its subtree moves with it (``CodebookResolver``).
///
/// The code keeps its id, so codings made by its old name, even concurrently elsewhere,
/// land on it. Concurrent renames resolve by ``TagResolution``.
public struct RenameTag: OperationKind {
    public static let kind = "tag.rename"

    /// The code's id.
    public let tag: TagName
    /// The code's new parent, by id; `nil` for the top of the codebook.
    public let parent: TagName?
    /// The code's new last segment: a normalized name with no `/`.
    public let label: String
    public let base: [Timestamp]

    public init(tag: TagName, parent: TagName?, label: String, base: [Timestamp]) {
        self.tag = tag
        self.parent = parent
        self.label = label
        self.base = base
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let tag = try fields.tag()
        let parent = try fields.optionalString("parent").map { (text: String) throws(SyncCoreError) in try TagName(wire: text) }
        let label = try fields.string("label")
        guard (try? TagName.label(label)) == label else { throw .invalidTag(label, reason: "not a normalized one-level label") }
        self.init(tag: tag, parent: parent, label: label, base: try fields.references("base", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("base", base)
        object.set("label", label)
        object.set("parent", parent?.rawValue)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.mention(tag, operation)
        if let parent { state.mention(parent, operation) }
        state.addVersion(
            TagVersion(timestamp: operation.timestamp, author: operation.author, value: .name(parent: parent, label: label)),
            of: tag, base: base)
    }

    var summary: String { summary(naming: \.rawValue) }
    /// The code by its id (its first name, what stays), the new name with its parent as `naming` says.
    func summary(naming: (TagName) -> String) -> String {
        "renamed code '\(tag)' to '\(parent.map { naming($0) + "/" } ?? "")\(label)'"
    }
    var action: Action { .renameTag(self) }
}
