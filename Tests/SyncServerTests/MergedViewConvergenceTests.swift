import Foundation
import SeededRandom
import SyncCore
import SyncServer
import TestSupport
import Testing

/// Property: the server's merged view, kept in the store's tables a step at a time, equals
/// the reference merge of the whole log, whatever order and grouping the pushes came in,
/// however the view's steps cut them, with duplicates and hostile references; and the read
/// endpoints' queries agree with the reference snapshot. Run on each real store.
// Serialized: hundreds of cases queued at once would hold back the async tests of other
// suites (2 cores here).
@Suite(.timeLimit(.minutes(10)), .serialized)
struct MergedViewConvergenceTests {
    static func seeds(defaultCount: Int) -> [UInt64] {
        PropertySeeds.seeds(defaultCount: defaultCount, stride: 0x9E37_79B9_7F4A_7C15, offset: 3)
    }

    @Test(arguments: seeds(defaultCount: 150))
    func theSQLiteViewAgreesWithTheModel(seed: UInt64) async throws {
        try await Self.check(.sqlite, seed: seed)
    }

    @Test(.enabled(if: TestDatabase.adminURL != nil, "needs SYNCD_TEST_POSTGRES_URL"), arguments: seeds(defaultCount: 30))
    func thePostgresViewAgreesWithTheModel(seed: UInt64) async throws {
        try await Self.check(.postgres, seed: seed)
    }

    static func check(_ kind: StoreKind, seed: UInt64) async throws {
        // Given a hostile history and its reference merge,
        var random = SplitMix64(seed: seed)
        let changesets = try HostileHistory.changesets(random: &random)
        var reference = CorpusState()
        for changeset in changesets { reference.apply(changeset) }
        let expected = reference.snapshot()
        // when it is pushed in random batches, shuffled, some changesets twice, and the view
        // follows in steps of random sizes now and then,
        var delivery = changesets + changesets.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
        delivery.shuffle(using: &random)
        let stepSize = Int.random(in: 1...8, using: &random)
        var catchUps: [Bool] = []
        var batches: [[Changeset]] = []
        while !delivery.isEmpty {
            let batch = Array(delivery.prefix(Int.random(in: 1...5, using: &random)))
            delivery.removeFirst(batch.count)
            // One request holds a changeset once (the wire format refuses it twice); a
            // changeset may come again in a later request.
            var seen = Set<ChangesetID>()
            batches.append(batch.filter { seen.insert($0.id).inserted })
            catchUps.append(Bool.random(using: &random))
        }
        let store = try await TestStore(kind)
        defer { store.remove() }
        let plan = Array(zip(batches, catchUps))
        try await store.withInstance { instance in
            let view = MergedView(store: instance, stepOperations: stepSize)
            for (batch, catchUp) in plan {
                for author in Set(batch.map(\.author)).sorted(by: { $0.rawValue < $1.rawValue }) {
                    _ = try await instance.push(batch.filter { $0.author == author }.map(EncodedChangeset.init), by: author.rawValue)
                }
                if catchUp { try await view.catchUp() }
            }
            try await view.catchUp()
            // then the view's export is the reference's, byte for byte,
            let export = try await ChangeStoreConformanceTests.export(instance, chunkBytes: 977)
            #expect(
                String(decoding: export, as: UTF8.self) == String(decoding: expected.canonicalJSON(), as: UTF8.self),
                "diverged: replay with CONVERGENCE_SEED=\(seed)")
            // and the reads agree with it.
            try await Self.reads(instance, agreeWith: expected, seed: seed)
        }
    }

    /// Every read endpoint's query, against what the reference snapshot says.
    static func reads(_ store: any ChangeStore, agreeWith snapshot: CorpusSnapshot, seed: UInt64) async throws {
        let paths = Dictionary(uniqueKeysWithValues: snapshot.codes.map { ($0.id, $0.name) })
        for article in snapshot.articles {
            let detail = try await store.viewArticle(article.id.rawValue)
            #expect(detail.article == article, "seed \(seed)")
            #expect(detail.notes == snapshot.notes.filter { $0.article == article.id }, "seed \(seed)")
            #expect(detail.highlights == snapshot.highlights.filter { $0.article == article.id }, "seed \(seed)")
            let wholeCodes = Set(snapshot.tags.filter { $0.article == article.id && $0.highlight == nil }.map { paths[$0.tag]! })
            #expect(detail.tags == wholeCodes.sorted(), "seed \(seed)")
        }
        // Articles by code, a page of 2 at a time, for every path and prefix of one.
        for path in Set(snapshot.codes.map(\.name)) {
            let expected = Set(
                snapshot.tags.filter { paths[$0.tag] == path || paths[$0.tag]!.hasPrefix(path + "/") }.map(\.article.rawValue)
            ).sorted()
            var seen: [String] = []
            var after: String?
            while true {
                let page = try await store.viewArticles(ViewQuery.Articles(tag: path, after: after, limit: 2))
                seen += page.map(\.id)
                guard page.count == 2 else { break }
                after = page.last?.id
            }
            #expect(seen == expected, "articles coded \(path), seed \(seed)")
        }
        // Codes with their article counts, by path.
        var counts: [String: Set<ArticleID>] = [:]
        for tagging in snapshot.tags { counts[paths[tagging.tag]!, default: []].insert(tagging.article) }
        let expectedCounts = counts.map { SyncProtocol.CodeCount(tag: $0.key, articles: $0.value.count) }.sorted { $0.tag < $1.tag }
        #expect(try await store.viewCodeCounts(after: nil, limit: 1000) == expectedCounts, "seed \(seed)")
        // Notes by author, a page of 3 at a time, by their last change.
        for author in HostileHistory.authors {
            var seen: [CorpusSnapshot.Note] = []
            var after: String?
            while true {
                let page = try await store.viewNotes(ViewQuery.Notes(author: author.rawValue, after: after, limit: 3))
                seen += page
                guard page.count == 3 else { break }
                after = page.last?.updated.description
            }
            #expect(seen == snapshot.notes.filter { $0.author == author }.sorted { $0.updated < $1.updated }, "seed \(seed)")
        }
    }
}
