import Foundation
import SyncCore

/// (g) The server's reads against a short and a long history (issue 14): the merged view
/// lives in the store, and a page of a filtered read costs its size, not the history's.
/// Each server is seeded over HTTP (its view following the pushes); the time until the view
/// holds the whole log is reported. Then each read is timed `runs` times per history, the
/// two histories alternating, and the medians compared.
struct ReadsBenchmark {
    let context: BenchContext
    let histories: [Int]

    /// At least 21 timed runs of each read.
    var runs: Int { max(context.runs, 21) }

    /// The reads timed: a name and a path.
    static let reads: [(name: String, path: String)] = [
        ("articles coded topic/7, a page of 20", "/v1/articles?tag=topic/7&limit=20"),
        ("articles coded under topic (50 codes), a page of 20", "/v1/articles?tag=topic&limit=20"),
        ("notes by seed-1, a page of 20", "/v1/notes?author=seed-1&limit=20"),
        ("one article with its annotations", "/v1/articles/art-000007"),
        ("articles matching 'ceasefire', a page of 20", "/v1/articles?q=ceasefire&limit=20"),
    ]

    struct Prepared {
        let size: Int
        let server: SyncdServer
        let endpoint: SyncEndpoint
        let token: String
    }

    func run() async throws {
        let sizes = histories.map { Statistics.count($0) }.joined(separator: " and ")
        Output.line("\n(g) reads of the server's merged view, histories of \(sizes) operations, \(Statistics.runs(runs))")
        var prepared: [Prepared] = []
        defer {
            for history in prepared { history.server.stop() }
        }
        for size in histories { prepared.append(try await prepare(size)) }
        var times = Array(repeating: Array(repeating: [Double](), count: prepared.count), count: Self.reads.count)
        var sizesReturned = Array(repeating: Array(repeating: 0, count: prepared.count), count: Self.reads.count)
        for run in 0..<runs {
            for (read, query) in Self.reads.enumerated() {
                for index in run % 2 == 0 ? Array(prepared.indices) : prepared.indices.reversed() {
                    let history = prepared[index]
                    let answer = try await history.endpoint.get(query.path, token: history.token)
                    guard answer.status == 200 else {
                        throw SyncBenchError("GET \(query.path): HTTP \(answer.status): \(String(buffer: answer.body).prefix(200))")
                    }
                    times[read][index].append(answer.seconds)
                    sizesReturned[read][index] = answer.body.readableBytes
                }
            }
        }
        for history in prepared { await history.endpoint.shutdown() }
        for (read, query) in Self.reads.enumerated() {
            Output.row(query.name, query.path)
            for (index, history) in prepared.enumerated() {
                Output.detail(
                    "history \(Statistics.count(history.size)): median \(Statistics.milliseconds(Statistics.median(times[read][index]))), "
                        + "p99 \(Statistics.milliseconds(Statistics.percentile(times[read][index], 99))), "
                        + "\(Statistics.count(sizesReturned[read][index])) bytes")
            }
            guard prepared.count > 1 else { continue }
            let ratio = Statistics.median(times[read][prepared.count - 1]) / Statistics.median(times[read][0])
            let goal = read == 0 ? " (goal: within 1.5, \(ratio <= 1.5 ? "met" : "NOT met"))" : ""
            Output.detail(
                "ratio t(\(Statistics.count(prepared[prepared.count - 1].size)))/t(\(Statistics.count(prepared[0].size))) = \(Statistics.format(ratio))\(goal)")
        }
    }

    /// A server seeded with `size` operations, once its view holds them all.
    private func prepare(_ size: Int) async throws -> Prepared {
        let name = "reads-\(size)"
        let data = try context.subfolder(name)
        let (seeders, tokens) = try await context.seeders(data: data, server: name)
        let reader = try await context.syncd.addUser("reader", role: "reader", data: data, server: name)
        let server = try await context.syncd.serve(data: data, server: name)
        let endpoint = SyncEndpoint(baseURL: server.url)
        do {
            var generator = try WorkloadGenerator(
                authors: seeders, articles: WorkloadGenerator.articleCount(forOperations: size), importArticles: true,
                seed: 0x6EAD + UInt64(size))
            let seeding = try await HistorySeeder.seed(size, from: &generator, endpoint: endpoint, tokens: tokens)
            // The view follows the pushes; a read waits for it (up to 10 s, then 503 view_behind).
            let start = ContinuousClock.now
            let deadline = start + .seconds(1800)
            while true {
                let answer = try await endpoint.get("/v1/tags?limit=1", token: reader)
                if answer.status == 200 { break }
                guard answer.status == 503, ContinuousClock.now < deadline else {
                    throw SyncBenchError("the view did not catch up: HTTP \(answer.status): \(String(buffer: answer.body).prefix(200))")
                }
            }
            let lag = Statistics.seconds(ContinuousClock.now - start)
            Output.row(
                "history \(Statistics.count(size))",
                "seeded \(seeding.summary); the view held it all \(Statistics.format(lag, 1)) s after the last push "
                    + "(\(Statistics.rate(seeding.operations, seeding.seconds + lag)) from the first push), "
                    + "server peak \(server.peakResidentKiB().map { Statistics.mebibytes(kibibytes: $0) } ?? "?")")
            return Prepared(size: size, server: server, endpoint: endpoint, token: reader)
        } catch {
            await endpoint.shutdown()
            server.stop()
            throw error
        }
    }
}
