/// `undo`: records that its changeset undoes the changeset `changeset`. The undoing itself
/// is done by the ordinary operations beside it in the same changeset (a removal for each
/// tag added, a version restoring each note's text, ...); this marker only lets every
/// replica of the author know that the changeset was undone, so that `annot undo` walks
/// back one changeset at a time and `annot log` can say so.
public struct UndoChangeset: OperationKind {
    public static let kind = "undo"

    public let changeset: ChangesetID

    public init(changeset: ChangesetID) { self.changeset = changeset }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(changeset: try ChangesetID(try fields.string("changeset")))
    }

    func write(to object: inout WireObject) {
        object.set("changeset", changeset.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.undone.insert(changeset)
    }

    var summary: String { "undid changeset \(changeset.rawValue.prefix(12))" }
    var action: Action { .undoChangeset(self) }
}
