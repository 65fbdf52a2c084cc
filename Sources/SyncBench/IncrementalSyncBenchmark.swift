import Foundation
import SeededRandom
import SyncCore

/// (b) An incremental sync: a replica caught up with a server's history, another user
/// pushes `newOperations` operations, then `annot sync` of the replica is timed. Done
/// against a short and a long history; if the cost follows the delta, the two times are
/// about the same.
///
/// The first sync after the catch-up is reported on its own: it is the one that moves the
/// replica's push cursor past the pulled history. The medians are over the runs after it.
struct IncrementalSyncBenchmark {
    let context: BenchContext
    let histories: [Int]
    let newOperations: Int

    /// At least 7 timed runs, whatever `--runs` says.
    var runs: Int { max(context.runs, 7) }

    /// A server holding a history, with a replica that has caught up with it.
    struct PreparedHistory: Sendable {
        let size: Int
        let server: SyncdServer
        let endpoint: SyncEndpoint
        let writer: UserName
        let writerToken: String
        let replica: AnnotReplica

        func close() async {
            await endpoint.shutdown()
            server.stop()
        }
    }

    func run() async throws {
        let sizes = histories.map { Statistics.count($0) }.joined(separator: " and ")
        Output.line(
            "\n(b) incremental sync of \(newOperations) new operations by another user, "
                + "histories of \(sizes) operations, \(Statistics.runs(runs))")
        var prepared: [PreparedHistory] = []
        do {
            for size in histories { prepared.append(try await prepare(size)) }
            try await measure(prepared)
        } catch {
            for history in prepared { await history.close() }
            throw error
        }
        for history in prepared { await history.close() }
    }

    /// Starts a server, seeds `size` operations and catches a new replica up: setup,
    /// reported but not timed against the goal.
    private func prepare(_ size: Int) async throws -> PreparedHistory {
        let name = "history-\(size)"
        let data = try context.subfolder(name)
        let (seeders, tokens) = try await context.seeders(data: data, server: name)
        let writer = try UserName("writer")
        let writerToken = try await context.syncd.addUser(writer.rawValue, role: "annotator", data: data, server: name)
        let readerToken = try await context.syncd.addUser("reader", role: "annotator", data: data, server: name)
        let server = try await context.syncd.serve(data: data, server: name)
        let endpoint = SyncEndpoint(baseURL: server.url)
        do {
            var generator = try WorkloadGenerator(
                authors: seeders, articles: WorkloadGenerator.articleCount(forOperations: size), importArticles: true,
                seed: 0xB0B + UInt64(size))
            let seeding = try await HistorySeeder.seed(size, from: &generator, endpoint: endpoint, tokens: tokens)
            Output.row("history \(Statistics.count(size))", "seeded \(seeding.summary)")
            let replica = try await AnnotReplica.create(
                binary: context.annot, folder: try context.subfolder(name + "-replica"), user: "reader",
                server: server.url, token: readerToken)
            let catchUp = try await replica.sync()
            guard catchUp.received == seeding.head else {
                throw SyncBenchError("the catch-up received \(catchUp.received) operations, not \(seeding.head)")
            }
            Output.detail(
                "catch-up annot sync (setup): \(Statistics.format(catchUp.seconds, 1)) s "
                    + "(\(Statistics.rate(catchUp.received, catchUp.seconds))), "
                    + "peak \(Statistics.mebibytes(kibibytes: catchUp.maxResidentKiB)), "
                    + "replica file \(Statistics.mebibytes(kibibytes: replica.fileSize() / 1024))")
            return PreparedHistory(
                size: size, server: server, endpoint: endpoint, writer: writer, writerToken: writerToken,
                replica: replica)
        } catch {
            await endpoint.shutdown()
            server.stop()
            throw error
        }
    }

    private func measure(_ prepared: [PreparedHistory]) async throws {
        let tags = try WorkloadGenerator.tagVocabulary()
        var random = SplitMix64(seed: 0x1DE1)
        let signers = prepared.indices.map { ReplicaSigner(seed: 0xC0FFEE + UInt64($0)) }
        var clocks = signers.map { HybridLogicalClock(replica: $0.replica) }
        var first: [Double] = Array(repeating: 0, count: prepared.count)
        var times: [[Double]] = Array(repeating: [], count: prepared.count)
        for run in 0...runs {
            // Alternate the order so that neither history always runs on a warmer machine.
            for index in run % 2 == 0 ? Array(prepared.indices) : prepared.indices.reversed() {
                let history = prepared[index]
                let changeset = try WorkloadGenerator.tagAdditions(
                    count: newOperations, by: history.writer, signer: signers[index], clock: &clocks[index],
                    articles: WorkloadGenerator.articleCount(forOperations: history.size), tags: tags, random: &random)
                let body = try Gzip.compress(WireFormat.encode([changeset]))
                let outcome = try await history.endpoint.push(gzipped: body, token: history.writerToken)
                guard outcome.accepted == newOperations else {
                    throw SyncBenchError("the server accepted \(outcome.accepted) of \(newOperations) new operations")
                }
                let sync = try await history.replica.sync()
                guard sync.received == newOperations else {
                    throw SyncBenchError("annot sync received \(sync.received) operations, not \(newOperations)")
                }
                if run == 0 { first[index] = sync.seconds } else { times[index].append(sync.seconds) }
            }
        }
        Output.row("first sync", "the first after the catch-up, which moves the push cursor past the history:")
        for (index, history) in prepared.enumerated() {
            Output.detail("history \(Statistics.count(history.size)): \(Statistics.milliseconds(first[index]))")
        }
        Output.row("annot sync", "of \(newOperations) new operations, the runs after that:")
        for (index, history) in prepared.enumerated() {
            Output.detail(
                "history \(Statistics.count(history.size)): "
                    + "median \(Statistics.milliseconds(Statistics.median(times[index])))  "
                    + "runs (ms): \(Statistics.list(times[index].map { $0 * 1000 }, 1))")
        }
        guard let shortest = prepared.first, let longest = prepared.last, prepared.count > 1 else { return }
        let ratio = Statistics.median(times[prepared.count - 1]) / Statistics.median(times[0])
        let firstRatio = first[prepared.count - 1] / first[0]
        Output.row(
            "ratio",
            "t(\(Statistics.count(longest.size)))/t(\(Statistics.count(shortest.size))) = \(Statistics.format(ratio)) "
                + "(goal: under 1.5, \(ratio < 1.5 ? "met" : "NOT met")); "
                + "first sync after the catch-up: \(Statistics.format(firstRatio))")
    }
}
