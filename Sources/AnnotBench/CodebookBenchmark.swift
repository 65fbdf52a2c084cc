import Foundation
import GRDB
import Replica
import SeededRandom
import SyncCore

/// (c) Reading the codebook after renames and merges, against the same replica with none.
///
/// Both replicas hold 1,000 articles, 10,000 codes (`area-NN/code-NNNN`, 100 areas of 100
/// codes) and 100,000 codings by 10 analysts. The renamed one also holds 1,000 codebook
/// operations: every area relabelled (`area-NN` to `region-NN`, which moves its 100 codes),
/// 600 codes relabelled in place and 300 merged into a sibling. Each of them stays in its
/// area, so `list --tag region-05` (renamed) and `list --tag area-05` (not) list the same
/// articles with the same codings, under other names. `tags` lists 300 fewer codes on the
/// renamed side (those merged away): its tree is smaller, its codings the same.
struct CodebookBenchmark {
    let folder: URL
    let runs: Int

    static let areas = 100
    static let codesPerArea = 100
    static let articles = 1000
    static let codings = 100_000
    /// The area `list --tag` asks for.
    static let listedArea = 5

    func run() throws {
        print(
            "\n(c) codebook reads: \(Self.articles) articles, \(Self.areas * Self.codesPerArea) codes, \(Self.codings) codings; "
                + "with 1,000 renames and merges against none, \(runs) runs each")
        let base = try Self.corpus()
        let renames = try Self.renames()
        let plainPath = folder.appendingPathComponent("codebook-plain.sqlite").path
        let renamedPath = folder.appendingPathComponent("codebook-renamed.sqlite").path
        let plainBuild = try Measure.seconds { try Self.replica(at: plainPath, base) }
        var renameApply = 0.0
        let renamedBuild = try Measure.seconds {
            let replica = try Self.replica(at: renamedPath, base)
            renameApply = try Measure.seconds {
                let report = try replica.apply(renames, origin: .server)
                precondition(report.applied == 1000, "every rename and merge is applied")
            }
        }
        print(
            "  built: plain in \(Measure.format(plainBuild)) s, renamed in \(Measure.format(renamedBuild)) s "
                + "(of which the 1,000 renames and merges: \(Measure.format(renameApply * 1000)) ms)")

        let plain = try LocalReplica.open(at: plainPath)
        let renamed = try LocalReplica.open(at: renamedPath)
        let plainArea = String(format: "area-%02d", Self.listedArea)
        let renamedArea = String(format: "region-%02d", Self.listedArea)
        // The same articles on both sides (the check that the comparison is fair).
        let plainListed = try plain.articles(tagged: plainArea)
        let renamedListed = try renamed.articles(tagged: renamedArea)
        precondition(plainListed.map(\.id) == renamedListed.map(\.id), "both sides list the same articles")
        let plainTree = try plain.tags()
        let renamedTree = try renamed.tags()
        print(
            "  list --tag: \(plainListed.count) articles on both sides; tags: \(plainTree.count) codes plain, "
                + "\(renamedTree.count) renamed")

        // In process: the queries alone.
        var measured: [(String, [Double], [Double])] = []
        func pair(_ name: String, _ plainSide: () throws -> Void, _ renamedSide: () throws -> Void) rethrows {
            var plainTimes: [Double] = []
            var renamedTimes: [Double] = []
            for run in 0..<runs {
                if run % 2 == 0 {
                    plainTimes.append(try Measure.seconds(plainSide))
                    renamedTimes.append(try Measure.seconds(renamedSide))
                } else {
                    renamedTimes.append(try Measure.seconds(renamedSide))
                    plainTimes.append(try Measure.seconds(plainSide))
                }
            }
            measured.append((name, plainTimes, renamedTimes))
        }
        try pair("tags() in process        ", { _ = try plain.tags() }, { _ = try renamed.tags() })
        try pair(
            "articles(tagged:) in proc", { _ = try plain.articles(tagged: plainArea) },
            { _ = try renamed.articles(tagged: renamedArea) })

        // Whole processes, as an analyst runs them.
        let annot = ProcessBenchmark.sibling("annot")
        if FileManager.default.isExecutableFile(atPath: annot) {
            try pair(
                "annot tags               ", { _ = try ProcessBenchmark.time(annot, ["tags", "--replica", plainPath]) },
                { _ = try ProcessBenchmark.time(annot, ["tags", "--replica", renamedPath]) })
            try pair(
                "annot list --tag         ",
                { _ = try ProcessBenchmark.time(annot, ["list", "--replica", plainPath, "--tag", plainArea]) },
                { _ = try ProcessBenchmark.time(annot, ["list", "--replica", renamedPath, "--tag", renamedArea]) })
        } else {
            print("  (processes skipped: no annot binary beside AnnotBench; build the whole package first)")
        }
        for (name, plainTimes, renamedTimes) in measured {
            let plainMedian = Measure.median(plainTimes)
            let renamedMedian = Measure.median(renamedTimes)
            print(
                "  \(name): plain median \(Measure.format(plainMedian * 1000)) ms, renamed \(Measure.format(renamedMedian * 1000)) ms, "
                    + "ratio \(Measure.format(renamedMedian / plainMedian)) (goal: within 1.5)")
        }
    }

    /// A replica holding the corpus, with the keys of its signers recorded.
    @discardableResult
    static func replica(at path: String, _ changesets: [Changeset]) throws -> LocalReplica {
        let replica = try LocalReplica.create(at: path, user: try UserName("bench"))
        var keys = ApplyBenchmark.bindings(changesets)
        keys = keys.map { $0.user.rawValue == "curator" ? .init(key: $0.key, user: $0.user, role: "curator") : $0 }
        keys.append(contentsOf: ApplyBenchmark.bindings(try renames()))
        try replica.recordServerKeys(keys)
        let report = try replica.apply(changesets, origin: .server)
        precondition(report.applied == changesets.reduce(0) { $0 + $1.operations.count }, "the corpus is applied whole")
        return replica
    }

    static func code(_ area: Int, _ index: Int) throws -> TagName {
        try TagName(String(format: "area-%02d/code-%04d", area, area * codesPerArea + index))
    }

    /// The articles, imported by a curator, and the codings, by 10 analysts (a fixed seed).
    static func corpus() throws -> [Changeset] {
        var random = SplitMix64(seed: 0xC0DE)
        let now = SystemWallClock().milliseconds() - 7_200_000
        var changesets: [Changeset] = []
        let curator = ReplicaSigner(seed: 99)
        var builder = ChangesetBuilder(
            clock: HybridLogicalClock(replica: curator.replica), author: try UserName("curator"), signer: curator, now: now)
        for article in 0..<articles {
            _ = try builder.add { _ throws(SyncCoreError) -> Action in
                .importArticle(
                    article: try ArticleID(String(format: "%04d_bench", article)), title: "Benchmark article \(article)",
                    text: "Delegates met in Doha for round \(article) of the talks.\n\nThe precondition was a ceasefire.")
            }
            if (article + 1) % 100 == 0, let changeset = try builder.build() {
                changesets.append(changeset)
                builder = ChangesetBuilder(clock: builder.clock, author: try UserName("curator"), signer: curator, now: now)
            }
        }
        var clocks: [Int: HybridLogicalClock] = [:]
        var made = 0
        var author = 0
        while made < codings {
            author = (author + 1) % 10
            let signer = ReplicaSigner(seed: UInt64(author + 100))
            var builder = ChangesetBuilder(
                clock: clocks[author] ?? HybridLogicalClock(replica: signer.replica), author: try UserName("analyst\(author)"),
                signer: signer, now: now + 1000 + UInt64(made))
            for _ in 0..<100 {
                let article = try ArticleID(String(format: "%04d_bench", Int.random(in: 0..<articles, using: &random)))
                let tag = try code(Int.random(in: 0..<areas, using: &random), Int.random(in: 0..<codesPerArea, using: &random))
                _ = try builder.add { _ throws(SyncCoreError) -> Action in .addTag(article: article, tag: tag) }
                made += 1
            }
            clocks[author] = builder.clock
            if let changeset = try builder.build() { changesets.append(changeset) }
        }
        return changesets
    }

    /// 100 area relabels, 600 code relabels and 300 merges into a sibling, each in its own
    /// area, by one analyst, after every coding.
    static func renames() throws -> [Changeset] {
        let now = SystemWallClock().milliseconds() - 3_600_000
        let signer = ReplicaSigner(seed: 200)
        var builder = ChangesetBuilder(
            clock: HybridLogicalClock(replica: signer.replica), author: try UserName("curator2"), signer: signer, now: now)
        var changesets: [Changeset] = []
        func flush() throws {
            if let changeset = try builder.build() { changesets.append(changeset) }
            builder = ChangesetBuilder(clock: builder.clock, author: try UserName("curator2"), signer: signer, now: now)
        }
        for area in 0..<areas {
            let parent = try TagName(String(format: "area-%02d", area))
            // In each area: codes 0 to 5 relabelled, codes 6 to 8 merged into code 9.
            for index in 0..<6 {
                let tag = try code(area, index)
                _ = try builder.add { _ throws(SyncCoreError) -> Action in
                    .renameTag(tag: tag, parent: parent, label: String(format: "renamed-%04d", area * codesPerArea + index), base: [])
                }
            }
            for index in 6..<9 {
                let tag = try code(area, index)
                let into = try code(area, 9)
                _ = try builder.add { _ throws(SyncCoreError) -> Action in .mergeTag(tag: tag, into: into, base: []) }
            }
            _ = try builder.add { _ throws(SyncCoreError) -> Action in
                .renameTag(tag: parent, parent: nil, label: String(format: "region-%02d", area), base: [])
            }
            if (area + 1) % 10 == 0 { try flush() }
        }
        try flush()
        return changesets
    }
}
