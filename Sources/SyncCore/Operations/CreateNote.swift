/// `note.create`: creates a note on an article, optionally on one of its highlights. The
/// note's id derives from the operation's timestamp (``EntityID/init(creator:)``). A note
/// with `replyTo` is a reply in the thread of that note; it merges like any note and stays
/// when its parent is deleted.
public struct CreateNote: OperationKind {
    public static let kind = "note.create"
    /// The largest note body, in UTF-8 bytes.
    public static let maxBodyBytes = 64 * 1024

    public let note: EntityID
    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let body: String
    public let highlight: EntityID?
    /// The note this one replies to, if any.
    public let replyTo: EntityID?

    var subject: EntityID? { note }

    public init(note: EntityID, article: ArticleID, body: String, highlight: EntityID?, replyTo: EntityID? = nil) {
        self.note = note
        self.replyTo = replyTo
        self.article = article
        self.body = body
        self.highlight = highlight
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let note = try fields.entityID("note")
        guard note == EntityID(creator: stamp) else {
            throw .invalidValue(field: "note", reason: "a new note's id must derive from its operation's hlc")
        }
        let highlight = try fields.optionalEntityID("highlight")
        let replyTo = try fields.optionalEntityID("replyTo")
        guard replyTo != note else { throw .invalidValue(field: "replyTo", reason: "a note cannot reply to itself") }
        self.init(
            note: note, article: try fields.articleID(), body: try Self.body(try fields.string("body")), highlight: highlight,
            replyTo: replyTo)
    }

    /// Checks a note body: not empty, no NUL, at most ``maxBodyBytes``.
    public static func body(_ body: String) throws(SyncCoreError) -> String {
        guard !body.isEmpty else { throw .invalidValue(field: "note", reason: "a note may not be empty") }
        return try WireText.text(body, field: "note body", maxBytes: maxBodyBytes)
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("body", body)
        object.set("highlight", highlight?.rawValue)
        object.set("note", note.rawValue)
        object.set("replyTo", replyTo?.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.noteCreations[note] = CorpusState.NoteCreation(
            timestamp: operation.timestamp, author: operation.author, article: article, highlight: highlight,
            replyTo: replyTo)
        state.noteVersions[note, default: [:]][operation.timestamp] = NoteVersion(
            timestamp: operation.timestamp, author: operation.author, body: body)
    }

    var summary: String {
        if let replyTo { return "replied to [\(replyTo.rawValue.prefix(7))] [\(note.rawValue.prefix(7))]: \(Action.excerpt(body))" }
        return "noted on \(article)\(highlight.map { " (highlight \($0.rawValue.prefix(7)))" } ?? "") "
            + "[\(note.rawValue.prefix(7))]: \(Action.excerpt(body))"
    }
    var action: Action { .createNote(self) }
}
