/// One version of a note: its creation, an edit, or a deletion (``body`` is `nil`).
public struct NoteVersion: Sendable, Hashable {
    /// The operation that made this version.
    public let timestamp: Timestamp
    /// Who made it.
    public let author: UserName
    /// The note's text in this version, or `nil` when the version is a deletion.
    public let body: String?

    public init(timestamp: Timestamp, author: UserName, body: String?) {
        self.timestamp = timestamp
        self.author = author
        self.body = body
    }

    /// Whether this version deletes the note.
    public var isDeletion: Bool { body == nil }
}
