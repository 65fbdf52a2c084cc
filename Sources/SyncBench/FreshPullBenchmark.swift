import Foundation
import SyncCore

/// (a) A fresh replica pulls a server's whole history: `annot sync` as a process, against
/// a plain HTTP loop in this process that fetches the same pages and discards them
/// (transport, server and gunzip: no JSON parsing, no SQLite).
///
/// The server holds `operations` operations by four seeding users: 1% article imports,
/// then tags and notes on those articles (``WorkloadGenerator``).
struct FreshPullBenchmark {
    let context: BenchContext
    let operations: Int
    /// The page size `annot sync` asks for.
    static let pageLimit = 5000

    func run() async throws {
        let title = "a fresh replica pulls \(Statistics.count(operations)) operations over loopback"
        Output.line("\n(a) \(title), \(Statistics.runs(context.runs))")
        let name = "fresh"
        let data = try context.subfolder(name)
        let (seeders, tokens) = try await context.seeders(data: data, server: name)
        let readerToken = try await context.syncd.addUser("reader", role: "annotator", data: data, server: name)
        let server = try await context.syncd.serve(data: data, server: name)
        defer { server.stop() }
        try await SyncEndpoint.using(server.url) { endpoint in
            try await measure(server, endpoint, tokens: tokens, readerToken: readerToken)
        }
    }

    private func measure(
        _ server: SyncdServer, _ endpoint: SyncEndpoint, tokens: [UserName: String], readerToken: String
    ) async throws {
        let articles = WorkloadGenerator.articleCount(forOperations: operations)
        var generator = try WorkloadGenerator(
            authors: tokens.keys.sorted(), articles: articles, importArticles: true, seed: 0xA11CE)
        let seeding = try await HistorySeeder.seed(operations, from: &generator, endpoint: endpoint, tokens: tokens)
        Output.row("seeding", seeding.summary)
        Output.detail("\(Statistics.count(articles)) article imports, then tags and notes on them")

        var syncTimes: [Double] = []
        var pullTimes: [Double] = []
        var annotPeaks: [Double] = []
        var syncdPeaks: [Double] = []
        var peakResetWorked = true
        for run in 0..<context.runs {
            // Alternate the order so that neither side always runs on a warmer machine.
            for annotSide in run % 2 == 0 ? [true, false] : [false, true] {
                if annotSide {
                    let folder = try context.subfolder("fresh-replica-\(run)")
                    let replica = try await AnnotReplica.create(
                        binary: context.annot, folder: folder, user: "reader", server: server.url, token: readerToken)
                    peakResetWorked = server.resetPeakResident() && peakResetWorked
                    let sync = try await replica.sync()
                    guard sync.received == seeding.head else {
                        throw SyncBenchError("annot sync received \(sync.received) operations, not \(seeding.head)")
                    }
                    syncTimes.append(sync.seconds)
                    annotPeaks.append(Double(sync.maxResidentKiB))
                    if let peak = server.peakResidentKiB() { syncdPeaks.append(Double(peak)) }
                    try? FileManager.default.removeItem(at: folder)
                } else {
                    let (seconds, cursor) = try await Statistics.seconds {
                        try await Self.pullAll(endpoint, token: readerToken)
                    }
                    guard cursor == seeding.head else {
                        throw SyncBenchError("the plain pull loop ended at \(cursor), expected \(seeding.head)")
                    }
                    pullTimes.append(seconds)
                }
            }
        }
        let sync = Statistics.median(syncTimes)
        let pull = Statistics.median(pullTimes)
        Output.row("annot sync", Statistics.timings(syncTimes, operations: operations))
        Output.row("plain pull loop", Statistics.timings(pullTimes, operations: operations))
        Output.row("ratio", "annot sync takes \(Statistics.format(sync / pull))x the plain pull loop's time")
        let annotPeak = Statistics.mebibytes(kibibytes: Int(Statistics.median(annotPeaks)))
        let syncdPeak = Statistics.mebibytes(kibibytes: Int(Statistics.median(syncdPeaks)))
        Output.row("peak memory", "annot \(annotPeak) (median ru_maxrss of the process)")
        Output.detail(
            "syncd \(syncdPeak) (median VmHWM "
                + (peakResetWorked ? "during each sync)" : "since it started: /proc/PID/clear_refs could not reset it)")
        )
    }

    /// Pulls every page from the start, as `annot sync` does, and returns the last cursor.
    static func pullAll(_ endpoint: SyncEndpoint, token: String) async throws -> Int64 {
        var cursor: Int64 = 0
        while true {
            let page = try await endpoint.pull(after: cursor, limit: pageLimit, token: token)
            cursor = page.cursor
            if !page.more { return cursor }
        }
    }
}
