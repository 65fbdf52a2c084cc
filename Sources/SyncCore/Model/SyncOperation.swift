/// One change to the shared corpus: an ``Action`` stamped with its author and a hybrid
/// logical clock ``timestamp`` that is also its globally unique id.
///
/// Operations are immutable facts. Applying one that a replica already holds changes nothing.
public struct SyncOperation: Sendable, Hashable {
    /// The operation's id and its place in the last-writer-wins order.
    public let timestamp: Timestamp
    /// The analyst who made the change.
    public let author: UserName
    /// What the operation does.
    public let action: Action

    public init(timestamp: Timestamp, author: UserName, action: Action) {
        self.timestamp = timestamp
        self.author = author
        self.action = action
    }

    /// The operation's globally unique id: its timestamp.
    public var id: Timestamp { timestamp }

    /// The replica that made the operation.
    public var replica: ReplicaID { timestamp.replica }
}
