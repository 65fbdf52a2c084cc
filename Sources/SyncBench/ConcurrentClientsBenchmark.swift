import Foundation
import SeededRandom
import SyncCore

/// (c) Many clients at once, each its own annotator with its own connection, for a bounded
/// time: each one loops { push one changeset of 10 tag additions; pull after its own cursor
/// up to the head }. Every request's latency is recorded; any failed request is an error.
///
/// With several `instances`, that many `syncd serve` processes share one store (PostgreSQL)
/// and client `i` talks to instance `i mod instances`, so a client may pull operations
/// that another instance committed.
///
/// By default each client starts its next round as soon as the last one ends (a closed
/// loop: the server runs flat out, and latency is mostly queueing). With a `rate`, the
/// clients together push that many operations per second: each starts its rounds on a
/// fixed schedule (an open loop), and a push's latency counts from when it was due, so a
/// server that falls behind is charged for the wait too (no coordinated omission).
struct ConcurrentClientsBenchmark {
    let context: BenchContext
    let clients: Int
    /// `syncd serve` processes on the one store.
    let instances: Int
    let duration: Duration
    /// Operations per second pushed by all clients together; `nil`: as fast as they can.
    var rate: Double? = nil
    /// How long the clients run before `duration` starts (connections opened, pools and caches
    /// filled); what they do meanwhile is not counted.
    var warmUp: Duration = .zero

    /// The articles the server holds, imported by the admin before the clients start.
    static let articles = 100
    static let operationsPerPush = 10
    /// A bound on each client's rounds, besides the time.
    static let maxRounds = 100_000

    /// What one client did.
    struct Tally: Sendable {
        var pushedOperations = 0
        /// Pushed during the warm-up (in the log, not in the figures).
        var warmUpOperations = 0
        var pulledOperations = 0
        var pushLatencies: [Double] = []
        var pullLatencies: [Double] = []
        var errors: [String] = []

        mutating func add(_ other: Tally) {
            pushedOperations += other.pushedOperations
            warmUpOperations += other.warmUpOperations
            pulledOperations += other.pulledOperations
            pushLatencies += other.pushLatencies
            pullLatencies += other.pullLatencies
            errors += other.errors
        }
    }

    /// What a run measured.
    struct Figures: Sendable {
        let pushedPerSecond: Double
        let pulledPerSecond: Double
        let pushLatencies: [Double]
        let pullLatencies: [Double]
        let errors: Int
        let consistent: Bool
    }

    @discardableResult
    func run() async throws -> Figures {
        Output.line(
            "\n(c) \(clients) concurrent clients pushing and pulling for \(duration.components.seconds) s"
                + (warmUp > .zero ? " after a warm-up of \(warmUp.components.seconds) s" : "")
                + (rate.map { ", pushing \(Statistics.format($0, 0)) operations/s in all on a fixed schedule" } ?? "")
                + (instances > 1 ? ", spread over \(instances) syncd instances on one store" : ""))
        let name = "concurrent"
        let data = try context.subfolder(name)
        let admin = try UserName("admin")
        let adminToken = try await context.syncd.addUser(admin.rawValue, role: "admin", data: data, server: name)
        // Each instance gets a folder of its own for its port file and log; the store
        // arguments name the shared store (with one instance, `data` may be the store).
        var servers: [SyncdServer] = []
        defer { for server in servers { server.stop() } }
        for instance in 0..<instances {
            let folder = instance == 0 ? data : try context.subfolder("\(name)-instance-\(instance + 1)")
            servers.append(try await context.syncd.serve(data: folder, server: name))
        }
        let server = servers[0]

        let (imported, users) = try await SyncEndpoint.using(server.url) { endpoint in
            var generator = try WorkloadGenerator(
                authors: [admin], articles: Self.articles, importArticles: true, seed: 0xC0C0)
            let seeding = try await HistorySeeder.seed(
                Self.articles, from: &generator, endpoint: endpoint, tokens: [admin: adminToken])
            var users: [(UserName, String)] = []
            for index in 1...clients {
                let user = try UserName("client-\(index)")
                users.append(
                    (user, try await endpoint.addUser(user.rawValue, role: "annotator", adminToken: adminToken)))
            }
            return (seeding.head, users)
        }

        let start = ContinuousClock.now
        let measured = start + warmUp
        let deadline = measured + duration
        let urls = servers.map(\.url)
        // Each client's rounds, when paced: one every `interval`, the clients' schedules
        // spread evenly over it.
        let interval = rate.map { Duration.seconds(Double(clients * Self.operationsPerPush) / $0) }
        let total = try await withThrowingTaskGroup(of: Tally.self) { group in
            for (index, (user, token)) in users.enumerated() {
                let url = urls[index % urls.count]
                let schedule = interval.map { (first: start + $0 * (Double(index) / Double(clients)), every: $0) }
                group.addTask {
                    try await SyncEndpoint.using(url) { endpoint in
                        try await Self.client(
                            index, user: user, token: token, endpoint: endpoint, measuringFrom: measured, until: deadline, schedule: schedule)
                    }
                }
            }
            var total = Tally()
            for try await tally in group { total.add(tally) }
            return total
        }
        let elapsed = Statistics.seconds(ContinuousClock.now - measured)

        // Every acknowledged operation must be in the log, and nothing else, as seen through
        // every instance.
        let expectedHead = imported + Int64(total.pushedOperations + total.warmUpOperations)
        var heads: [SyncEndpoint.PulledPage] = []
        for url in urls {
            heads.append(
                try await SyncEndpoint.using(url) { endpoint in
                    try await endpoint.pull(after: max(0, expectedHead - 1), limit: 1, token: adminToken)
                })
        }
        let head = heads.first { $0.cursor != expectedHead || $0.more } ?? heads[0]
        let pushes = Statistics.count(total.pushLatencies.count)
        let pulls = Statistics.count(total.pullLatencies.count)
        Output.row("elapsed", "\(Statistics.format(elapsed, 1)) s, \(pushes) pushes and \(pulls) pulls")
        if instances > 1 {
            Output.row(
                "instances", "\(instances), clients assigned round-robin (client i to instance i mod \(instances))")
        }
        func operations(_ count: Int) -> String {
            "\(Statistics.count(count)) operations, \(Statistics.rate(count, elapsed))"
        }
        Output.row("pushed", operations(total.pushedOperations))
        Output.row(
            "pulled",
            operations(total.pulledOperations) + " (each client pulls everyone's operations, its own included)")
        Output.row("push latency", Self.percentiles(total.pushLatencies))
        Output.row("pull latency", Self.percentiles(total.pullLatencies))
        let consistent = head.cursor == expectedHead && !head.more
        Output.row(
            "log",
            "head \(Statistics.count(head.cursor))\(head.more ? "+" : ""), "
                + (consistent
                    ? "exactly the seeded and acknowledged operations"
                        + (instances > 1 ? ", through every instance" : "")
                    : "expected \(Statistics.count(expectedHead)): acknowledged operations are missing or extra"))
        let met = total.errors.isEmpty && consistent
        Output.row("errors", "\(total.errors.count) (goal: zero, \(met ? "met" : "NOT met"))")
        for error in total.errors.prefix(10) { Output.detail(error) }
        if total.errors.count > 10 { Output.detail("… and \(total.errors.count - 10) more") }
        return Figures(
            pushedPerSecond: Double(total.pushedOperations) / elapsed, pulledPerSecond: Double(total.pulledOperations) / elapsed,
            pushLatencies: total.pushLatencies, pullLatencies: total.pullLatencies, errors: total.errors.count,
            consistent: consistent)
    }

    /// `p50 12.3 ms  p99 45.6 ms`.
    static func percentiles(_ latencies: [Double]) -> String {
        "p50 \(Statistics.milliseconds(Statistics.percentile(latencies, 50)))  "
            + "p99 \(Statistics.milliseconds(Statistics.percentile(latencies, 99)))"
    }

    /// One client's loop, until `deadline`: round after round, or one round every
    /// `schedule.every` from `schedule.first` on. Rounds that start before `measured` are not
    /// counted (but for the operations they stored).
    static func client(
        _ index: Int, user: UserName, token: String, endpoint: SyncEndpoint, measuringFrom measured: ContinuousClock.Instant,
        until deadline: ContinuousClock.Instant, schedule: (first: ContinuousClock.Instant, every: Duration)? = nil
    )
        async throws -> Tally
    {
        let tags = try WorkloadGenerator.tagVocabulary()
        let signer = ReplicaSigner(seed: 0x5EED_0000 + UInt64(index))
        var clock = HybridLogicalClock(replica: signer.replica)
        var random = SplitMix64(seed: UInt64(index))
        var tally = Tally()
        var cursor: Int64 = 0
        var rounds = 0
        while ContinuousClock.now < deadline, rounds < maxRounds {
            // When paced, the round is due at its place in the schedule (now, if late).
            let due = schedule.map { $0.first + $0.every * rounds }
            if let due, due > ContinuousClock.now { try await Task.sleep(until: due) }
            guard ContinuousClock.now < deadline else { break }
            rounds += 1
            let counted = (due ?? ContinuousClock.now) >= measured
            do {
                let changeset = try WorkloadGenerator.tagAdditions(
                    count: operationsPerPush, by: user, signer: signer, clock: &clock, articles: articles, tags: tags, random: &random)
                let body = try Gzip.compress(WireFormat.encode([changeset]))
                let (pushSeconds, outcome) = try await Statistics.seconds {
                    try await endpoint.push(gzipped: body, token: token)
                }
                // Paced: from when the round was due, not from when it could start.
                if counted {
                    tally.pushLatencies.append(due.map { Statistics.seconds(ContinuousClock.now - $0) } ?? pushSeconds)
                    tally.pushedOperations += outcome.accepted
                } else {
                    tally.warmUpOperations += outcome.accepted
                }
                var more = true
                while more, ContinuousClock.now < deadline {
                    let (pullSeconds, page) = try await Statistics.seconds {
                        try await endpoint.pull(after: cursor, limit: FreshPullBenchmark.pageLimit, token: token)
                    }
                    if counted {
                        tally.pullLatencies.append(pullSeconds)
                        tally.pulledOperations += Int(page.cursor - cursor)
                    }
                    cursor = page.cursor
                    more = page.more
                }
            } catch {
                tally.errors.append("client-\(index): \(error)")
                // Do not spin on a failing server.
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return tally
    }
}
