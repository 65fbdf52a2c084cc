/// The operations that one user action produced, applied all together or not at all.
///
/// `annot highlight 003 --quote … --note …` is one changeset of two operations: nobody ever
/// sees the highlight without its note. All operations of a changeset share an author and a
/// replica, and the changeset's id is its first operation's timestamp.
public struct Changeset: Sendable, Hashable {
    /// The most operations one changeset may hold.
    public static let maxOperations = 10_000

    /// The operations, in the order they were made (ascending timestamps).
    public let operations: [SyncOperation]

    /// Groups operations into a changeset, checking that they belong together.
    /// - Throws: ``SyncCoreError/malformed(_:)`` when the list is empty, too long, out of order,
    ///   or mixes authors or replicas.
    public init(_ operations: [SyncOperation]) throws(SyncCoreError) {
        guard let first = operations.first else { throw .malformed("a changeset must hold at least one operation") }
        guard operations.count <= Self.maxOperations else { throw .oversize(field: "changeset", limit: Self.maxOperations) }
        var previous: Timestamp?
        for operation in operations {
            guard operation.author == first.author, operation.replica == first.replica else {
                throw .malformed("the operations of one changeset must share an author and a replica")
            }
            if let previous, !(previous < operation.timestamp) {
                throw .malformed("the operations of a changeset must have increasing timestamps")
            }
            previous = operation.timestamp
        }
        self.operations = operations
    }

    /// The changeset's id: the timestamp of its first operation.
    public var id: Timestamp { operations[0].timestamp }
    /// The author of every operation in the changeset.
    public var author: UserName { operations[0].author }
    /// The replica that made the changeset.
    public var replica: ReplicaID { operations[0].replica }
}
