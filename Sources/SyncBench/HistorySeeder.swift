import Foundation
import NIOCore
import SyncCore

/// Pushes a history to a server over HTTP as its authors would: each author's changesets
/// with that author's token, gzip-compressed, at most `batchOperations` operations per
/// request. One request is in flight while the next is prepared, so generating and
/// encoding overlap with the server's work.
struct HistorySeeder: Sendable {
    /// What seeding took.
    struct Report: Sendable {
        var operations = 0
        var requests = 0
        var seconds = 0.0
        var head: Int64 = 0

        var summary: String {
            "\(Statistics.count(operations)) operations in \(requests) pushes, \(Statistics.format(seconds, 1)) s "
                + "(\(Statistics.rate(operations, seconds))); log head \(Statistics.count(head))"
        }
    }

    let endpoint: SyncEndpoint
    let tokens: [UserName: String]
    let batchOperations: Int
    private var pending: [UserName: [Changeset]] = [:]
    private var pendingCounts: [UserName: Int] = [:]
    private var inFlight: Task<SyncProtocol.PushOutcome, any Error>?
    private var report = Report()
    private let start = ContinuousClock.now

    init(endpoint: SyncEndpoint, tokens: [UserName: String], batchOperations: Int = 10_000) {
        self.endpoint = endpoint
        self.tokens = tokens
        self.batchOperations = batchOperations
    }

    /// Pushes `operations` operations from `generator`.
    static func seed(
        _ operations: Int, from generator: inout WorkloadGenerator, endpoint: SyncEndpoint, tokens: [UserName: String]
    ) async throws -> Report {
        var seeder = HistorySeeder(endpoint: endpoint, tokens: tokens)
        var made = 0
        while made < operations {
            let changeset = try generator.nextChangeset(limit: operations - made)
            made += changeset.operations.count
            try await seeder.add(changeset)
        }
        return try await seeder.finish()
    }

    /// Queues a changeset, pushing its author's queue first if the changeset would not fit.
    mutating func add(_ changeset: Changeset) async throws {
        let author = changeset.author
        if pendingCounts[author, default: 0] + changeset.operations.count > batchOperations {
            try await flush(author)
        }
        pending[author, default: []].append(changeset)
        pendingCounts[author, default: 0] += changeset.operations.count
    }

    /// Pushes whatever is queued and waits for every push.
    mutating func finish() async throws -> Report {
        for author in pending.keys.sorted() { try await flush(author) }
        try await settle()
        report.seconds = Statistics.seconds(ContinuousClock.now - start)
        return report
    }

    private mutating func flush(_ author: UserName) async throws {
        guard let changesets = pending.removeValue(forKey: author), !changesets.isEmpty else { return }
        let count = pendingCounts.removeValue(forKey: author) ?? 0
        guard let token = tokens[author] else { throw SyncBenchError("no token for the seeding user \(author)") }
        let body = try Gzip.compress(WireFormat.encode(changesets))
        try await settle()
        let endpoint = self.endpoint
        inFlight = Task {
            let outcome = try await endpoint.push(gzipped: body, token: token)
            guard outcome.accepted == count else {
                throw SyncBenchError(
                    "the server accepted \(outcome.accepted) of \(count) new operations pushed by \(author)")
            }
            return outcome
        }
        report.operations += count
        report.requests += 1
    }

    /// Waits for the push in flight, if any.
    private mutating func settle() async throws {
        guard let task = inFlight else { return }
        inFlight = nil
        report.head = max(report.head, try await task.value.head)
    }
}
