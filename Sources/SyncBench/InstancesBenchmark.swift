import Foundation
import Logging
import PostgresNIO

/// (i) One and two `syncd` instances on one PostgreSQL database (issue 14): workload (c),
/// 32 clients spread over the instances, run four times on new databases (1, 2, 2 and 1
/// instances, so that neither count always runs on a warmer machine), while a sampler
/// looks at `pg_stat_activity` every 10 ms and counts the sessions waiting for a lock.
/// Goal: two instances push at least as much as one, at no worse 99th percentile. Flat out,
/// both run the machine at saturation and latency is queueing; so latency is also compared
/// at equal load, with the clients paced (an open loop) at fractions of what one instance
/// pushed flat out in the same invocation.
struct InstancesBenchmark {
    let context: BenchContext
    /// A database where new ones may be created (`--postgres URL`).
    let adminURL: String
    let duration: Duration

    /// What the sampler saw.
    struct LockWaits: Sendable {
        var samples = 0
        /// Sessions waiting for a lock, summed over the samples.
        var waiting = 0
        /// Samples in which some session waited for a lock.
        var samplesWithWaits = 0
        /// Active sessions, summed over the samples.
        var active = 0
        /// What the active sessions were running (the start of each statement, after what it waited
        /// for if it waited), by count.
        var statements: [String: Int] = [:]

        /// The statements seen most often.
        var busiest: String {
            statements.sorted { $0.value > $1.value }.prefix(5).map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
        }
    }

    /// One run's figures and what the sampler saw.
    typealias Run = (instances: Int, figures: ConcurrentClientsBenchmark.Figures, waits: LockWaits)

    /// Each run's first seconds, not counted: opening the instances' connections to
    /// PostgreSQL, the view's first step (the articles' texts) and the clients' first sync
    /// stall the first requests of a run, more so with two pools to fill.
    static let warmUp: Duration = .seconds(3)

    /// The fractions of one instance's throughput at which the paced runs push.
    static let pacedLoads = [0.5, 0.8]

    func run() async throws {
        Output.line(
            "\n(i) 32 clients for \(duration.components.seconds) s (after \(Self.warmUp.components.seconds) s not counted) "
                + "on one and on two syncd instances sharing one PostgreSQL, "
                + "4 runs (1, 2, 2, 1 instances) as fast as they can, then 4 runs each pushing "
                + Self.pacedLoads.map { "\(Int($0 * 100))%" }.joined(separator: " and ")
                + " of one instance's throughput on a fixed schedule; lock waits sampled every 10 ms")
        let saturated = try await runs(rate: nil)
        Self.summarize(saturated, title: "as fast as they can")
        func mean(_ runs: [Run], _ count: Int, _ value: (ConcurrentClientsBenchmark.Figures) -> Double) -> Double {
            let values = runs.filter { $0.instances == count }.map { value($0.figures) }
            return values.reduce(0, +) / Double(values.count)
        }
        func p99(_ figures: ConcurrentClientsBenchmark.Figures) -> Double { Statistics.percentile(figures.pushLatencies, 99) }
        let throughput = mean(saturated, 2) { $0.pushedPerSecond } / mean(saturated, 1) { $0.pushedPerSecond }
        let saturatedP99 = mean(saturated, 2, p99) / mean(saturated, 1, p99)
        var lines = [
            "as fast as they can: pushed operations/s \(Statistics.format(throughput)) (goal >= 1: \(throughput >= 1 ? "met" : "NOT met")), "
                + "push p99 \(Statistics.format(saturatedP99))"
        ]
        let capacity = mean(saturated, 1) { $0.pushedPerSecond }
        for load in Self.pacedLoads {
            let rate = capacity * load
            let paced = try await runs(rate: rate)
            Self.summarize(paced, title: "paced at \(Statistics.format(rate, 0)) operations/s (\(Int(load * 100))% of one instance's)")
            let ratio = mean(paced, 2, p99) / mean(paced, 1, p99)
            lines.append(
                "paced at \(Int(load * 100))%: push p99 \(Statistics.format(ratio)) (goal <= 1: \(ratio <= 1 ? "met" : "NOT met")), "
                    + "pushed operations/s \(Statistics.format(mean(paced, 2) { $0.pushedPerSecond } / mean(paced, 1) { $0.pushedPerSecond }))")
        }
        Output.row("ratio", "two/one instances (means of the two runs each):")
        for line in lines { Output.detail(line) }
    }

    /// Four runs, with 1, 2, 2 and 1 instances, each on a new database.
    private func runs(rate: Double?) async throws -> [Run] {
        var results: [Run] = []
        for (round, instances) in [1, 2, 2, 1].enumerated() {
            let database = "bench_instances_\(getpid())_\(rate.map { "\(Int($0))_" } ?? "")\(round)"
            try await Self.execute(adminURL, "CREATE DATABASE \(database)")
            let url = try Self.url(adminURL, database: database)
            let sampler = LockSampler(url: url)
            let sampling = Task { try await sampler.run() }
            let figures: ConcurrentClientsBenchmark.Figures
            do {
                figures = try await ConcurrentClientsBenchmark(
                    context: context.with(storeArguments: ["--store", url]), clients: 32, instances: instances, duration: duration,
                    rate: rate, warmUp: Self.warmUp
                ).run()
            } catch {
                sampler.stop()
                _ = try? await sampling.value
                throw error
            }
            sampler.stop()
            let waits = try await sampling.value
            results.append((instances, figures, waits))
            try? await Self.execute(adminURL, "DROP DATABASE \(database)")
        }
        return results
    }

    private static func summarize(_ results: [Run], title: String) {
        Output.row("summary", "\(title), run by run:")
        for result in results {
            let waits = result.waits
            Output.detail(
                "\(result.instances) instance(s): pushed \(Statistics.format(result.figures.pushedPerSecond, 0)) ops/s, "
                    + "push p50 \(Statistics.milliseconds(Statistics.percentile(result.figures.pushLatencies, 50))) "
                    + "p99 \(Statistics.milliseconds(Statistics.percentile(result.figures.pushLatencies, 99))), "
                    + "pull p99 \(Statistics.milliseconds(Statistics.percentile(result.figures.pullLatencies, 99))); "
                    + "lock waits: \(Statistics.format(Double(waits.waiting) / Double(max(1, waits.samples)), 3)) sessions on average, "
                    + "in \(Statistics.format(100 * Double(waits.samplesWithWaits) / Double(max(1, waits.samples)), 1))% of "
                    + "\(waits.samples) samples (\(Statistics.format(Double(waits.active) / Double(max(1, waits.samples)), 2)) sessions active)")
            Output.detail("  busiest statements: \(waits.busiest)")
        }
    }

    static func url(_ admin: String, database: String) throws -> String {
        guard var components = URLComponents(string: admin) else { throw SyncBenchError("--postgres is not a URL: \(admin)") }
        components.path = "/" + database
        guard let url = components.string else { throw SyncBenchError("--postgres is not a URL: \(admin)") }
        return url
    }

    static func execute(_ url: String, _ sql: String) async throws {
        try await LockSampler.withClient(url) { client in try await client.query(PostgresQuery(unsafeSQL: sql)) }
    }
}

/// Samples `pg_stat_activity` of one database every 10 ms until stopped.
final class LockSampler: @unchecked Sendable {
    let url: String
    private let lock = NSLock()
    private var stopped = false

    init(url: String) { self.url = url }

    func stop() { lock.withLock { stopped = true } }
    private var isStopped: Bool { lock.withLock { stopped } }

    func run() async throws -> InstancesBenchmark.LockWaits {
        try await Self.withClient(url) { client in
            var waits = InstancesBenchmark.LockWaits()
            while !self.isStopped {
                let rows = try await client.query(
                    """
                    SELECT coalesce(wait_event_type || ':' || wait_event, ''), left(regexp_replace(query, '\\s+', ' ', 'g'), 48)
                    FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
                    """)
                var waiting = 0
                for try await (wait, query) in rows.decode((String, String).self) {
                    waits.active += 1
                    waits.statements[wait.isEmpty ? query : "[\(wait)] \(query)", default: 0] += 1
                    if wait.hasPrefix("Lock:") { waiting += 1 }
                }
                waits.samples += 1
                waits.waiting += waiting
                if waiting > 0 { waits.samplesWithWaits += 1 }
                try await Task.sleep(for: .milliseconds(10))
            }
            return waits
        }
    }

    /// Runs `body` with a client of the database at `url` (its pool running meanwhile).
    static func withClient<T: Sendable>(_ url: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw SyncBenchError("not a PostgreSQL URL: \(url)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres", password: components.password,
            database: String(components.path.dropFirst()), tls: .disable)
        configuration.options.minimumConnections = 0
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
