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

    /// Starts a changeset for `author`, stamping operations from `clock` at wall time `now`.
    public init(clock: HybridLogicalClock, author: UserName, now: UInt64) {
        self.clock = clock
        self.author = author
        self.now = now
    }

    /// Stamps a new operation. `action` receives the operation's timestamp, from which
    /// notes and highlights derive their ids (``EntityID/init(creator:)``).
    @discardableResult
    public mutating func add(_ action: (Timestamp) throws(SyncCoreError) -> Action) throws(SyncCoreError) -> SyncOperation {
        let timestamp = try clock.tick(now: now)
        let operation = SyncOperation(timestamp: timestamp, author: author, action: try action(timestamp))
        operations.append(operation)
        return operation
    }

    /// The changeset of every operation added, or `nil` when there are none.
    public func build() throws(SyncCoreError) -> Changeset? {
        operations.isEmpty ? nil : try Changeset(operations)
    }
}
