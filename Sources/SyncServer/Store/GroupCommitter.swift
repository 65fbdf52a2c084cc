import SyncCore

/// Commits pushes in groups: while one transaction commits, later pushes queue up, and the
/// next transaction takes them all, so one durable commit (one fsync) serves many clients.
///
/// Each push stays atomic: a push the store refuses (a collision, an overlap, a key bound
/// elsewhere) gets its own error and stores nothing, without failing the others of its
/// group. A failing transaction fails every push in it, and none is acknowledged. Both
/// stores use it, with their own transaction.
actor GroupCommitter {
    /// One push of a group: its changesets and the user pushing them.
    struct Push: Sendable {
        let changesets: [EncodedChangeset]
        let user: String
    }

    /// Stores a group of pushes in one transaction and returns one outcome per push.
    typealias Commit = @Sendable ([Push]) async throws -> [Result<SyncProtocol.PushOutcome, SyncServerError>]

    private let commitGroup: Commit
    private var queue: [(push: Push, continuation: CheckedContinuation<SyncProtocol.PushOutcome, any Error>)] = []
    private var committing = false

    init(_ commit: @escaping Commit) { commitGroup = commit }

    /// Queues a push and returns once the transaction holding it has committed.
    func commit(_ changesets: [EncodedChangeset], by user: String) async throws -> SyncProtocol.PushOutcome {
        try await withCheckedThrowingContinuation { continuation in
            queue.append((Push(changesets: changesets, user: user), continuation))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = queue
            queue.removeAll()
            do {
                let outcomes = try await commitGroup(batch.map(\.push))
                for (index, item) in batch.enumerated() { item.continuation.resume(with: outcomes[index].mapError { $0 }) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        committing = false
    }
}
