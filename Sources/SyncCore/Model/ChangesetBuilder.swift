/// Stamps the operations of one local user action and groups them into a ``Changeset``.
///
/// The builder owns a copy of the replica's clock for the duration of the action; the
/// replica stores ``clock`` back in the same transaction that stores the changeset.
public struct ChangesetBuilder: Sendable {
    /// The clock, advanced past every operation made so far.
    public private(set) var clock: HybridLogicalClock
    /// The author of every operation.
    public let author: UserName
    /// The operations made so far, in order.
    public private(set) var operations: [SyncOperation] = []
    private let now: UInt64
    private let signer: ReplicaSigner

    /// Starts a changeset for `author`, stamping operations from `clock` at wall time `now`
    /// and signing them with `signer` (whose replica must be the clock's).
    public init(clock: HybridLogicalClock, author: UserName, signer: ReplicaSigner, now: UInt64) {
        precondition(clock.replica == signer.replica, "a replica's clock stamps with the id of its own key")
        self.clock = clock
        self.author = author
        self.signer = signer
        self.now = now
    }

    /// Stamps a new operation. `action` receives the operation's timestamp, from which
    /// notes and highlights derive their ids (``EntityID/init(creator:)``).
    ///
    /// The operation is checked exactly as a peer receiving it would check it
    /// (``WireFormat/validate(_:)``), so this replica never makes an operation others refuse.
    @discardableResult
    public mutating func add(_ action: (Timestamp) throws(SyncCoreError) -> Action) throws(SyncCoreError) -> SyncOperation {
        var next = clock
        let timestamp = try next.tick(now: now)
        let operation = SyncOperation(timestamp: timestamp, author: author, action: try action(timestamp))
        try WireFormat.validate(operation)
        clock = next
        operations.append(operation)
        return operation
    }

    /// The signed changeset of every operation added, or `nil` when there are none.
    public func build() throws(SyncCoreError) -> Changeset? {
        operations.isEmpty ? nil : try Changeset(signing: operations, with: signer)
    }
}
