import Foundation
import SyncCore

/// (h) A new replica of a long history (issue 14): it starts from the server's snapshot
/// rather than replaying the log. Goal: it can list, search and tag within 10 s, and its
/// `annot sync` takes within 3x of transferring the snapshot's bytes over loopback and
/// writing them to disk (curl then fsync, the baseline, in the same run; curl alone, which
/// leaves them in the page cache, is shown too). Also, once: the same new
/// replica replaying the whole log (`annot sync --no-snapshot`).
struct BootstrapBenchmark {
    let context: BenchContext
    let operations: Int
    /// Whether to time the replay of the whole log too (minutes for 1,000,000).
    let replay: Bool

    /// Timed runs of the baseline and of the bootstrap.
    var runs: Int { max(3, min(context.runs, 5)) }

    func run() async throws {
        Output.line(
            "\n(h) a new replica of \(Statistics.count(operations)) operations: annot sync from the server's snapshot, "
                + "then annot list, search and tag; against curl receiving the snapshot into a file, \(Statistics.runs(runs))")
        let name = "bootstrap"
        let data = try context.subfolder(name)
        let (seeders, tokens) = try await context.seeders(data: data, server: name)
        let reader = try await context.syncd.addUser("reader", role: "reader", data: data, server: name)
        var analysts: [String] = []
        for index in 0..<(runs + 1) {
            analysts.append(try await context.syncd.addUser("analyst-\(index)", role: "annotator", data: data, server: name))
        }
        let server = try await context.syncd.serve(data: data, server: name, options: ["--snapshot-min-operations", "10000"])
        defer { server.stop() }
        let endpoint = SyncEndpoint(baseURL: server.url)
        defer { Task { await endpoint.shutdown() } }

        var generator = try WorkloadGenerator(
            authors: seeders, articles: WorkloadGenerator.articleCount(forOperations: operations), importArticles: true,
            seed: 0xB007)
        let seeding = try await HistorySeeder.seed(operations, from: &generator, endpoint: endpoint, tokens: tokens)
        Output.row("history", "seeded \(seeding.summary)")

        // The server's mirror follows the log; it publishes once it has caught up.
        let start = ContinuousClock.now
        var manifest: SyncProtocol.SnapshotManifest?
        while manifest?.cursor != seeding.head {
            guard ContinuousClock.now - start < .seconds(3600) else { throw SyncBenchError("no snapshot of the whole log within an hour") }
            try await Task.sleep(for: .seconds(1))
            let answer = try await endpoint.get("/v1/snapshot", token: reader)
            if answer.status == 200 { manifest = try JSONDecoder().decode(SyncProtocol.SnapshotManifest.self, from: Data(buffer: answer.body)) }
        }
        guard let manifest else { return }
        Output.row(
            "snapshot",
            "published \(Statistics.format(Statistics.seconds(ContinuousClock.now - start), 1)) s after the last push: "
                + "\(Statistics.count(manifest.operations)) operations, \(Statistics.mebibytes(kibibytes: Int(manifest.bytes / 1024))), "
                + "server peak \(server.peakResidentKiB().map { Statistics.mebibytes(kibibytes: $0) } ?? "?")")

        var baseline: [Double] = []
        var cached: [Double] = []
        var syncs: [Double] = []
        var usable: [Double] = []
        var steps: [String: [Double]] = [:]
        let article = try WorkloadGenerator.articleID(7).rawValue
        for run in 0..<runs {
            // The baseline: the same bytes over the same loopback, written to the same disk.
            let file = try context.subfolder("bootstrap-curl-\(run)").appendingPathComponent("snapshot.sqlite").path
            let curl = try await ChildProcess.run(
                "/usr/bin/curl",
                ["-s", "-f", "-o", file, "-H", "Authorization: Bearer \(reader)", "\(server.url)/v1/snapshots/\(manifest.sha256)"],
                output: file + ".log")
            try curl.requireSuccess(output: file + ".log")
            cached.append(curl.seconds)
            // On disk: curl leaves the bytes in the page cache; annot sync makes them durable
            // before the file takes the replica's place, so the baseline does too.
            let flushing = ContinuousClock.now
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0, fsync(descriptor) == 0 else { throw SyncBenchError("cannot fsync \(file)") }
            close(descriptor)
            baseline.append(curl.seconds + Statistics.seconds(ContinuousClock.now - flushing))
            try? FileManager.default.removeItem(atPath: file)

            let replica = try await AnnotReplica.create(
                binary: context.annot, folder: try context.subfolder("bootstrap-replica-\(run)"), user: "analyst-\(run)",
                server: server.url, token: analysts[run])
            let sync = try await replica.sync()
            guard sync.received < operations / 10 else {
                throw SyncBenchError("annot sync received \(sync.received) operations: it did not start from the snapshot")
            }
            let list = try await replica.timed(["list"])
            let search = try await replica.timed(["search", "ceasefire"])
            let tag = try await replica.tag(article, "bench/new")
            syncs.append(sync.seconds)
            usable.append(sync.seconds + list + search + tag)
            steps["list", default: []].append(list)
            steps["search", default: []].append(search)
            steps["tag", default: []].append(tag)
            if let phases = sync.snapshot {
                steps["receive", default: []].append(phases.received)
                steps["check", default: []].append(phases.checked)
                steps["place", default: []].append(phases.placed)
            }
            try? FileManager.default.removeItem(atPath: replica.path)
        }
        let ratio = Statistics.median(syncs) / Statistics.median(baseline)
        Output.row("curl (baseline)", Statistics.latencies(baseline, of: "runs") + ", then fsync: the bytes on disk")
        Output.detail("curl alone, the bytes in the page cache: \(Statistics.latencies(cached, of: "runs"))")
        Output.row("annot sync", Statistics.latencies(syncs, of: "runs"))
        for step in ["receive", "check", "place"] where steps[step] != nil {
            Output.detail("of which the snapshot's \(step): median \(Statistics.milliseconds(Statistics.median(steps[step]!)))")
        }
        for step in ["list", "search", "tag"] { Output.detail("then annot \(step): median \(Statistics.milliseconds(Statistics.median(steps[step]!)))") }
        Output.row(
            "ratio",
            "annot sync/(curl then fsync) = \(Statistics.format(ratio)) (goal: within 3, \(ratio <= 3 ? "met" : "NOT met")), "
                + "annot sync/curl alone = \(Statistics.format(Statistics.median(syncs) / Statistics.median(cached))); "
                + "sync, list, search and tag: median \(Statistics.format(Statistics.median(usable), 2)) s "
                + "(goal: 10 s or less, \(Statistics.median(usable) <= 10 ? "met" : "NOT met"))")

        if replay {
            let replica = try await AnnotReplica.create(
                binary: context.annot, folder: try context.subfolder("bootstrap-replay"), user: "analyst-\(runs)",
                server: server.url, token: analysts[runs])
            let sync = try await replica.sync(["--no-snapshot"])
            Output.row(
                "replaying instead",
                "annot sync --no-snapshot: \(Statistics.format(sync.seconds, 1)) s for \(Statistics.count(sync.received)) operations "
                    + "(\(Statistics.rate(sync.received, sync.seconds))), \(Statistics.format(sync.seconds / Statistics.median(syncs), 1))x the snapshot's")
        }
    }
}
