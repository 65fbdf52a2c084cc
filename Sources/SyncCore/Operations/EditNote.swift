/// `note.edit`: replaces the versions of a note its author saw (`base`) with a new body.
///
/// `base` is scoped: it supersedes only versions of this note, so an edit cannot hide
/// another note whatever timestamps it lists.
public struct EditNote: OperationKind {
    public static let kind = "note.edit"

    public let note: EntityID
    public let body: String
    public let base: [Timestamp]

    var subject: EntityID? { note }

    public init(note: EntityID, body: String, base: [Timestamp]) {
        self.note = note
        self.body = body
        self.base = base
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(
            note: try fields.entityID("note"), body: try CreateNote.body(try fields.string("body")),
            base: try fields.references("base", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("base", base)
        object.set("body", body)
        object.set("note", note.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.supersede(base, of: note)
        state.noteVersions[note, default: [:]][operation.timestamp] = NoteVersion(
            timestamp: operation.timestamp, author: operation.author, body: body)
    }

    var summary: String {
        "edited note \(note.rawValue.prefix(7))\(base.count > 1 ? " (resolving \(base.count) versions)" : ""): \(Action.excerpt(body))"
    }
    var action: Action { .editNote(self) }
}
