import Foundation
import Replica
import SyncCore

/// (f) Live sync (issue 14): two replicas each running `annot sync --watch`; one tags an
/// article, and the time until the other replica holds the tag is the propagation delay.
/// The baseline, in the same run, is what the same change takes without watching: the
/// writer's `annot sync`, then the reader's.
struct LiveSyncBenchmark {
    let context: BenchContext
    let rounds: Int

    func run() async throws {
        Output.line(
            "\n(f) replica-to-replica propagation with annot sync --watch on both, \(rounds) tags, "
                + "against annot sync on the writer then on the reader")
        let name = "live"
        let data = try context.subfolder(name)
        let writerToken = try await context.syncd.addUser("writer", role: "curator", data: data, server: name)
        let readerToken = try await context.syncd.addUser("reader", role: "annotator", data: data, server: name)
        let server = try await context.syncd.serve(data: data, server: name)
        defer { server.stop() }
        let writer = try await AnnotReplica.create(
            binary: context.annot, folder: try context.subfolder("live-writer"), user: "writer", server: server.url,
            token: writerToken)
        let reader = try await AnnotReplica.create(
            binary: context.annot, folder: try context.subfolder("live-reader"), user: "reader", server: server.url,
            token: readerToken)
        let articles = try context.subfolder("live-articles")
        try "Live article\n\nThe talks resumed in Doha.".write(
            to: articles.appendingPathComponent("live-001.txt"), atomically: true, encoding: .utf8)
        try await writer.annot(["import", articles.path])
        _ = try await writer.sync()
        _ = try await reader.sync()
        let observer = try LocalReplica.open(at: reader.path)
        defer { try? observer.close() }

        // The baseline: the writer tags, syncs, then the reader syncs.
        var manual: [Double] = []
        for round in 0..<max(5, rounds / 4) {
            let tag = "manual/\(round)"
            _ = try await writer.tag("live-001", tag)
            let start = ContinuousClock.now
            _ = try await writer.sync()
            _ = try await reader.sync()
            guard try !observer.articles(tagged: tag).isEmpty else {
                throw SyncBenchError("the reader did not receive \(tag) after both synced")
            }
            manual.append(Statistics.seconds(ContinuousClock.now - start))
        }

        let watchers = [writer, reader].map { replica in
            try? ChildProcess.start(context.annot, ["sync", "--watch", "--replica", replica.path], output: replica.log)
        }
        defer { for watcher in watchers { watcher?.stop() } }
        guard watchers.allSatisfy({ $0 != nil }) else { throw SyncBenchError("cannot start annot sync --watch") }
        try await Task.sleep(for: .seconds(1))

        var delays: [Double] = []
        var missed = 0
        for round in 0..<rounds {
            let tag = "live/\(round)"
            _ = try await writer.tag("live-001", tag)
            // From the end of the writer's annot tag, when the change is on its replica.
            let start = ContinuousClock.now
            let deadline = start + .seconds(10)
            var arrived = false
            while ContinuousClock.now < deadline {
                if try !observer.articles(tagged: tag).isEmpty {
                    arrived = true
                    break
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            if arrived { delays.append(Statistics.seconds(ContinuousClock.now - start)) } else { missed += 1 }
            // Tags a few hundred milliseconds apart, as a person's are at most.
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...400)))
        }
        guard !delays.isEmpty else { throw SyncBenchError("no tag reached the reader within 10 s") }
        func summary(_ values: [Double]) -> String { Statistics.latencies(values, of: "tags") }
        Output.row("manual syncs", "annot sync on the writer, then on the reader: " + summary(manual))
        Output.row("--watch", "tag on the writer to tag on the reader: " + summary(delays) + (missed > 0 ? ", \(missed) missed" : ""))
        let p99 = Statistics.percentile(delays, 99)
        Output.row(
            "ratio",
            "median --watch/manual = \(Statistics.format(Statistics.median(delays) / Statistics.median(manual))); "
                + "goal: within a second of the push, p99 \(p99 <= 1 && missed == 0 ? "met" : "NOT met")")
    }
}
