/// `note.delete`: deletes the versions of a note its author saw (`base`, scoped to this
/// note). A concurrent edit survives.
public struct DeleteNote: OperationKind {
    public static let kind = "note.delete"

    public let note: EntityID
    public let base: [Timestamp]

    var subject: EntityID? { note }

    public init(note: EntityID, base: [Timestamp]) {
        self.note = note
        self.base = base
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(note: try fields.entityID("note"), base: try fields.references("base", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("base", base)
        object.set("note", note.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.supersede(base, of: note)
        state.noteVersions[note, default: [:]][operation.timestamp] = NoteVersion(
            timestamp: operation.timestamp, author: operation.author, body: nil)
    }

    var summary: String { "deleted note \(note.rawValue.prefix(7))" }
    var action: Action { .deleteNote(self) }
}
