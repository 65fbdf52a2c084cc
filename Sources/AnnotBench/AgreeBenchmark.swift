import Foundation
import GRDB
import Replica
import SeededRandom
import SyncCore

/// (d) `annot agree` on 1,000 articles, 10 coders and 100 codes, against `annot tags` on
/// the same replica (a read of every coding) in the same run; and the REFI-QDA export and
/// import of that project, against the canonical JSON export of the same replica.
///
/// Every coder marks 900 of the articles done (a different 100 missing for each). Each code
/// applies to 2% to 8% of the articles; a coder applies it there 85% of the time and
/// elsewhere 1% of the time, so coders agree more often than chance. One coding in ten is
/// on a span (a highlight).
struct AgreeBenchmark {
    let folder: URL
    let runs: Int

    static let articles = 1000
    static let coders = 10
    static let codes = 100

    func run() throws {
        let path = folder.appendingPathComponent("agree.sqlite").path
        var operations = 0
        let built = try Measure.seconds { operations = try Self.replica(at: path) }
        let replica = try LocalReplica.open(at: path)
        let report = try replica.agreement()
        print(
            "\n(d) agree: \(Self.articles) articles, \(Self.coders) coders, \(report.codes.count) codes, "
                + "\(operations) operations (built in \(Measure.format(built)) s), \(runs) runs each")
        var measured: [(String, [Double])] = []
        measured.append(("agreement() in process", try (0..<runs).map { _ in try Measure.seconds { _ = try replica.agreement() } }))
        let annot = ProcessBenchmark.sibling("annot")
        if FileManager.default.isExecutableFile(atPath: annot) {
            var agree: [Double] = []
            var tags: [Double] = []
            for run in 0..<runs {
                let pair = [
                    { agree.append(try ProcessBenchmark.time(annot, ["agree", "--replica", path])) },
                    { tags.append(try ProcessBenchmark.time(annot, ["tags", "--replica", path])) },
                ]
                for side in run % 2 == 0 ? [0, 1] : [1, 0] { try pair[side]() }
            }
            measured.append(("annot agree          ", agree))
            measured.append(("annot tags (baseline)", tags))
            // Exchange: export the project, import it into a fresh replica (a curator's, so
            // that its sources become articles), against `annot export` of the same replica.
            var qdpxExport: [Double] = []
            var qdpxImport: [Double] = []
            var jsonExport: [Double] = []
            let archive = folder.appendingPathComponent("agree.qdpx").path
            let json = folder.appendingPathComponent("agree.json").path
            for run in 0..<max(3, runs / 2) {
                let pair = [
                    { qdpxExport.append(try ProcessBenchmark.time(annot, ["export", "--replica", path, "--format", "qdpx", archive])) },
                    { jsonExport.append(try ProcessBenchmark.time(annot, ["export", "--replica", path, json])) },
                ]
                for side in run % 2 == 0 ? [0, 1] : [1, 0] { try pair[side]() }
                let target = folder.appendingPathComponent("imported-\(run).sqlite").path
                _ = try LocalReplica.create(at: target, user: try UserName("importer"))
                qdpxImport.append(try ProcessBenchmark.time(annot, ["import", "--replica", target, "--format", "qdpx", archive]))
            }
            let size = (try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int) ?? 0
            print("  qdpx archive: \(size / 1024) KiB")
            measured.append(("annot export --format qdpx", qdpxExport))
            measured.append(("annot import --format qdpx", qdpxImport))
            measured.append(("annot export (JSON, baseline)", jsonExport))
        } else {
            print("  (processes skipped: no annot binary beside AnnotBench; build the whole package first)")
        }
        for (name, times) in measured {
            print("  \(name): median \(Measure.format(Measure.median(times) * 1000)) ms  runs: \(times.map { Measure.format($0 * 1000, 0) })")
        }
        if measured.count == 6 {
            print(
                "  annot agree / annot tags: \(Measure.format(Measure.median(measured[1].1) / Measure.median(measured[2].1))) "
                    + "(goal: agree under 1 s)")
            print(
                "  qdpx export / JSON export: \(Measure.format(Measure.median(measured[3].1) / Measure.median(measured[5].1))); "
                    + "qdpx import / JSON export: \(Measure.format(Measure.median(measured[4].1) / Measure.median(measured[5].1)))")
        }
    }

    /// Writes the replica; returns how many operations it holds.
    static func replica(at path: String) throws -> Int {
        var random = SplitMix64(seed: 0xA6EE)
        let now = SystemWallClock().milliseconds() - 7_200_000
        var changesets: [Changeset] = []
        let curator = ReplicaSigner(seed: 300)
        let curatorName = try UserName("curator")
        var builder = ChangesetBuilder(
            clock: HybridLogicalClock(replica: curator.replica), author: curatorName, signer: curator, now: now)
        let text = "Delegates met in Doha for another round of the talks. The precondition was a ceasefire."
        for article in 0..<articles {
            _ = try builder.add { _ throws(SyncCoreError) -> Action in
                .importArticle(article: try ArticleID(String(format: "%04d_agree", article)), title: "Article \(article)", text: text)
            }
            if (article + 1) % 100 == 0, let changeset = try builder.build() {
                changesets.append(changeset)
                builder = ChangesetBuilder(clock: builder.clock, author: curatorName, signer: curator, now: now)
            }
        }
        // Each code applies to an article with its own probability; a coder applies it there
        // 85% of the time, and elsewhere 1% of the time.
        let prevalence = (0..<codes).map { _ in Double.random(in: 0.02...0.08, using: &random) }
        let truth = (0..<articles).map { _ in prevalence.map { Double.random(in: 0..<1, using: &random) < $0 } }
        var keys: [SyncProtocol.KeyBinding] = [.init(key: curator.key, user: curatorName, role: "curator")]
        for coder in 0..<coders {
            let signer = ReplicaSigner(seed: UInt64(400 + coder))
            let user = try UserName("coder\(coder)")
            keys.append(.init(key: signer.key, user: user, role: "annotator"))
            var clock = HybridLogicalClock(replica: signer.replica)
            let skipped = Set((0..<100).map { (coder * 97 + $0 * 13) % articles })
            for start in stride(from: 0, to: articles, by: 50) {
                var builder = ChangesetBuilder(clock: clock, author: user, signer: signer, now: now + 1000 + UInt64(start))
                for article in start..<(start + 50) where !skipped.contains(article) {
                    let id = try ArticleID(String(format: "%04d_agree", article))
                    for code in 0..<codes {
                        let roll = Double.random(in: 0..<1, using: &random)
                        let applies = truth[article][code] ? roll < 0.85 : roll < 0.01
                        guard applies else { continue }
                        let tag = try TagName(String(format: "theme-%02d/code-%03d", code / 10, code))
                        if Int.random(in: 0..<10, using: &random) == 0 {
                            let selector = TextSelector(text: text, start: 0, end: 9)
                            _ = try builder.add { time throws(SyncCoreError) -> Action in
                                .createHighlight(highlight: EntityID(creator: time), article: id, selector: selector)
                            }
                            let highlight = EntityID(creator: builder.clock.latest!)
                            _ = try builder.add { _ throws(SyncCoreError) -> Action in .addTag(article: id, tag: tag, highlight: highlight) }
                        } else {
                            _ = try builder.add { _ throws(SyncCoreError) -> Action in .addTag(article: id, tag: tag) }
                        }
                    }
                    _ = try builder.add { _ throws(SyncCoreError) -> Action in .articleStatus(article: id, done: true) }
                }
                clock = builder.clock
                if let changeset = try builder.build() { changesets.append(changeset) }
            }
        }
        let replica = try LocalReplica.create(at: path, user: try UserName("bench"))
        try replica.recordServerKeys(keys)
        let report = try replica.apply(changesets, origin: .server)
        let total = changesets.reduce(0) { $0 + $1.operations.count }
        precondition(report.applied == total, "the corpus is applied whole")
        return total
    }
}
