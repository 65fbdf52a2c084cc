/// One change to the shared corpus: an ``Action`` stamped with its author and a hybrid
/// logical clock ``timestamp``, identified by the SHA-256 of its canonical JSON (``id``).
///
/// Operations are immutable facts. Applying one that a replica already holds changes
/// nothing; one with the same timestamp but other content is a collision, refused.
public struct SyncOperation: Sendable, Hashable {
    /// The operation's place in the last-writer-wins order; unique among operations.
    public let timestamp: Timestamp
    /// The analyst who made the change.
    public let author: UserName
    /// What the operation does.
    public let action: Action
    /// The canonical JSON of the operation, as logs store it and its id hashes it.
    public let canonicalJSON: String
    /// The operation's content id: the SHA-256 of ``canonicalJSON``.
    public let id: OperationID

    public init(timestamp: Timestamp, author: UserName, action: Action) {
        self.timestamp = timestamp
        self.author = author
        self.action = action
        self.canonicalJSON = WireFormat.canonicalJSON(timestamp: timestamp, author: author, action: action)
        self.id = OperationID(canonical: canonicalJSON)
    }

    /// The replica that made the operation.
    public var replica: ReplicaID { timestamp.replica }

    public static func == (lhs: SyncOperation, rhs: SyncOperation) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
