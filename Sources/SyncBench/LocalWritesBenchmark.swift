import Foundation
import SyncCore

/// (e) Local writes during a catch-up (issue 14): `annot tag` on a replica, timed as a whole
/// process, first while the replica is idle (the baseline), then while `annot sync` on the
/// same replica catches up with a history of `operations` operations. The goal: 100 ms or
/// less at the 99th percentile during the catch-up.
struct LocalWritesBenchmark {
    let context: BenchContext
    let operations: Int
    /// Tags on the idle replica, for the baseline.
    let idleRuns = 100

    func run() async throws {
        Output.line(
            "\n(e) annot tag during a catch-up of \(Statistics.count(operations)) operations by the same replica, "
                + "against annot tag on the idle replica")
        let name = "writers"
        let data = try context.subfolder(name)
        let (_, tokens) = try await context.seeders(data: data, server: name)
        let readerToken = try await context.syncd.addUser("analyst", role: "annotator", data: data, server: name)
        let quietToken = try await context.syncd.addUser("quiet", role: "annotator", data: data, server: name)
        let server = try await context.syncd.serve(data: data, server: name)
        let endpoint = SyncEndpoint(baseURL: server.url)
        defer { server.stop() }
        do {
            try await measure(endpoint: endpoint, server: server, tokens: tokens, readerToken: readerToken, quietToken: quietToken)
        } catch {
            await endpoint.shutdown()
            throw error
        }
        await endpoint.shutdown()
    }

    private func measure(
        endpoint: SyncEndpoint, server: SyncdServer, tokens: [UserName: String], readerToken: String, quietToken: String
    ) async throws {
        // The articles first, pulled by the replica, so that it can tag one before the catch-up.
        let articles = WorkloadGenerator.articleCount(forOperations: operations)
        var generator = try WorkloadGenerator(
            authors: Array(tokens.keys.sorted { $0.rawValue < $1.rawValue }), articles: articles, importArticles: true,
            seed: 0xE)
        _ = try await HistorySeeder.seed(articles, from: &generator, endpoint: endpoint, tokens: tokens)
        let replica = try await AnnotReplica.create(
            binary: context.annot, folder: try context.subfolder("writers-replica"), user: "analyst", server: server.url,
            token: readerToken)
        _ = try await replica.sync()
        // A second replica in the same state, which catches up afterwards with nobody tagging:
        // the catch-up's own baseline.
        let quiet = try await AnnotReplica.create(
            binary: context.annot, folder: try context.subfolder("writers-quiet"), user: "quiet", server: server.url,
            token: quietToken)
        _ = try await quiet.sync()
        let article = try WorkloadGenerator.articleID(0).rawValue

        var idle: [Double] = []
        for index in 0..<idleRuns { idle.append(try await replica.tag(article, "idle/\(index)")) }

        let seeding = try await HistorySeeder.seed(operations - articles, from: &generator, endpoint: endpoint, tokens: tokens)
        Output.row("history", "seeded \(seeding.summary)")

        let finished = Finished()
        let catchUp = Task {
            defer { finished.set() }
            return try await replica.sync()
        }
        var during: [Double] = []
        var index = 0
        // Tag as fast as one analyst's script could, until the catch-up ends.
        while !finished.value {
            during.append(try await replica.tag(article, "during/\(index)"))
            index += 1
        }
        let sync = try await catchUp.value
        guard sync.received >= seeding.operations else {
            throw SyncBenchError("the catch-up received \(sync.received) operations, not \(seeding.operations)")
        }
        Output.row(
            "catch-up",
            "annot sync received \(Statistics.count(sync.received)) operations in \(Statistics.format(sync.seconds, 1)) s "
                + "(\(Statistics.rate(sync.received, sync.seconds))) while \(during.count) annot tag ran")
        let alone = try await quiet.sync()
        Output.row(
            "catch-up alone",
            "the same catch-up on a second replica with no annot tag running: \(Statistics.format(alone.seconds, 1)) s "
                + "(\(Statistics.rate(alone.received, alone.seconds))); with the tags it took \(Statistics.format(sync.seconds / alone.seconds))x as long")
        func summary(_ values: [Double]) -> String { Statistics.latencies(values, of: "runs") }
        Output.row("annot tag, idle", summary(idle))
        Output.row("annot tag, during", summary(during))
        let p99 = Statistics.percentile(during, 99)
        Output.row(
            "ratio",
            "p99 during/idle = \(Statistics.format(p99 / Statistics.percentile(idle, 99))), "
                + "median during/idle = \(Statistics.format(Statistics.median(during) / Statistics.median(idle))); "
                + "goal p99 during <= 100 ms: \(p99 <= 0.1 ? "met" : "NOT met")")
    }
}

/// A flag set once, read from another task.
private final class Finished: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    var value: Bool { lock.withLock { done } }
    func set() { lock.withLock { done = true } }
}
