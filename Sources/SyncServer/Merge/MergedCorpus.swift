import SyncCore

/// The server's merged view of the corpus, built with the same SyncCore merge code as the
/// replicas (``SyncCore/CorpusState``) from the operation log.
///
/// It follows the log by sequence number, like any client pulling, so it also sees
/// operations that another server instance wrote to a shared store.
public actor MergedCorpus {
    private let store: any ChangeStore
    private var state = CorpusState()
    private var cursor: Int64 = 0
    private var cachedSnapshot: (cursor: Int64, snapshot: CorpusSnapshot)?

    private var identity: String?

    public init(store: any ChangeStore) { self.store = store }

    /// The store's identity, read once (it never changes for a store).
    public func storeIdentity() async throws -> String {
        if let identity { return identity }
        let read = try await store.identity()
        identity = read
        return read
    }

    /// Applies every operation logged after the last one seen.
    /// - Complexity: O(new operations).
    public func catchUp() async throws {
        while true {
            let page = try await store.pull(after: cursor, limit: 5000)
            for operation in page.operations {
                // The log holds only validated, canonical operations.
                state.apply(try WireFormat.decodeOperation(operation.payload))
            }
            cursor = page.cursor
            if !page.more { break }
        }
    }

    /// The merged state, up to date with the log.
    public func snapshot() async throws -> CorpusSnapshot {
        try await catchUp()
        if let cachedSnapshot, cachedSnapshot.cursor == cursor { return cachedSnapshot.snapshot }
        let snapshot = state.snapshot()
        cachedSnapshot = (cursor, snapshot)
        return snapshot
    }

    /// How many operations the view holds.
    public var operationCount: Int { state.operationCount }
}
