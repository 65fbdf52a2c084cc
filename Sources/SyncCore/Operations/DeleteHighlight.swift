/// `highlight.delete`: deletes a highlight. Deletion is final.
public struct DeleteHighlight: OperationKind {
    public static let kind = "highlight.delete"

    public let highlight: EntityID

    var subject: EntityID? { highlight }

    public init(highlight: EntityID) { self.highlight = highlight }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(highlight: try fields.entityID("highlight"))
    }

    func write(to object: inout WireObject) { object.set("highlight", highlight.rawValue) }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.deletedHighlights.insert(highlight)
    }

    var summary: String { "deleted highlight \(highlight.rawValue.prefix(7))" }
    var action: Action { .deleteHighlight(self) }
}
