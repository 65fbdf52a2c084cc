/// Commits pushes in groups: while one transaction commits, later pushes queue up, and the
/// next transaction takes them all, so one durable commit (one fsync) serves many clients.
///
/// Each changeset stays atomic. A failing transaction fails every push in it, and none of
/// them is acknowledged. Both stores use it, with their own transaction.
actor GroupCommitter {
    /// Stores a group of pushes in one transaction and returns one outcome per push.
    typealias Commit = @Sendable ([[EncodedChangeset]]) async throws -> [PushOutcome]

    private let commitGroup: Commit
    private var queue: [(changesets: [EncodedChangeset], continuation: CheckedContinuation<PushOutcome, any Error>)] = []
    private var committing = false

    init(_ commit: @escaping Commit) { commitGroup = commit }

    /// Queues a push and returns once the transaction holding it has committed.
    func commit(_ changesets: [EncodedChangeset]) async throws -> PushOutcome {
        try await withCheckedThrowingContinuation { continuation in
            queue.append((changesets, continuation))
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
                let outcomes = try await commitGroup(batch.map(\.changesets))
                for (index, item) in batch.enumerated() { item.continuation.resume(returning: outcomes[index]) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        committing = false
    }
}
