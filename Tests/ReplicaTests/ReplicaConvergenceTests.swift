import Foundation
import SeededRandom
import SyncCore
import TestSupport
import Testing

@testable import Replica

/// Property: real SQLite replicas that make random, conflicting annotations offline and
/// then exchange changes in random orders, with duplicates and partial deliveries, end
/// with byte-identical exports, equal to the in-memory reference merge of all operations.
// Serialized: hundreds of CPU-bound cases queued at once would hold back, for tens of
// seconds, the async tests waiting on PostgreSQL and sockets (2 cores here).
@Suite(.timeLimit(.minutes(10)), .serialized)
struct ReplicaConvergenceTests {
    static var seeds: [UInt64] { PropertySeeds.seeds(defaultCount: 200, stride: 0x5851_F42D, offset: 11) }

    @Test(arguments: seeds)
    func replicasConverge(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let folder = TemporaryFolder()
        let files = Corpus.files(in: folder)
        let wall = ManualWallClock(milliseconds: 1_700_000_000_000)
        let replicas = try (0..<3).map { index in
            try LocalReplica.create(
                at: folder.path("r\(index).sqlite"), user: try UserName("user\(index)"),
                signer: ReplicaSigner(seed: UInt64(index + 1)), wallClock: wall)
        }
        for replica in replicas {
            try replica.trust(replicas)
            _ = try replica.importArticles(from: files)
        }

        for _ in 0..<4 {
            // Everyone works offline for a while...
            for _ in 0..<8 {
                wall.advance(by: Int64.random(in: 0...2, using: &random))
                try Self.randomAction(on: replicas.randomElement(using: &random)!, random: &random)
            }
            // ...then some changes travel, some of them twice, in shuffled order.
            let from = replicas.randomElement(using: &random)!
            let to = replicas.randomElement(using: &random)!
            var changesets = try WireFormat.decode(Data(from.changes().document))
            changesets = changesets.filter { _ in Int.random(in: 0..<3, using: &random) > 0 }
            changesets += changesets.filter { _ in Bool.random(using: &random) }
            changesets.shuffle(using: &random)
            _ = try to.apply(changesets, origin: .file)
        }

        // Finally every replica receives everything, in its own random order, twice over.
        var union: [Changeset] = []
        for replica in replicas { union += try WireFormat.decode(Data(replica.changes().document)) }
        for replica in replicas {
            var delivery = union + union.filter { _ in Bool.random(using: &random) }
            delivery.shuffle(using: &random)
            _ = try replica.apply(delivery, origin: .file)
        }

        var reference = CorpusState()
        for changeset in union { reference.apply(changeset) }
        let expected = reference.snapshot().canonicalJSON()
        for (index, replica) in replicas.enumerated() {
            let actual = try replica.snapshot().canonicalJSON()
            #expect(actual == expected, "replica \(index) diverged: replay with CONVERGENCE_SEED=\(seed)")
        }
    }

    /// One random user action, chosen to provoke conflicts: few articles, few tags, edits
    /// and deletes of the same notes.
    static func randomAction(on replica: LocalReplica, random: inout SplitMix64) throws {
        let article = ["a1", "a2"].randomElement(using: &random)!
        let tag = ["x", "y", "talks/doha", "talks"].randomElement(using: &random)!
        let notes = try replica.notes()
        switch Int.random(in: 0..<19, using: &random) {
        case 0, 1:
            _ = try replica.tag(article, with: [tag])
        case 2:
            _ = try? replica.untag(article, tags: [tag])  // fails when the tag is not there: fine
        case 3:
            _ = try replica.addNote(article, body: "note \(random.next() % 1000)")
        case 4, 5:
            if let note = notes.randomElement(using: &random) {
                _ = try replica.editNote(note.id, body: "edit \(random.next() % 1000)")
            }
        case 6:
            if let note = notes.randomElement(using: &random) { _ = try replica.deleteNote(note.id) }
        case 7:
            _ = try replica.highlight(article, quote: "talks", occurrence: 1, note: Bool.random(using: &random) ? "why" : nil)
        case 8:
            if let highlight = try replica.article(article).highlights.randomElement(using: &random) {
                _ = try replica.deleteHighlight(highlight.id)
            }
        case 9:
            // A coded span, on a highlight made here or elsewhere.
            if let highlight = try replica.article(article).highlights.randomElement(using: &random) {
                _ = try replica.tag(article, with: [tag], highlight: highlight.id)
            } else {
                _ = try replica.highlight(article, quote: "talks", occurrence: 1, tags: [tag])
            }
        case 10:
            if let highlight = try replica.article(article).highlights.randomElement(using: &random),
                let code = highlight.tags.randomElement(using: &random)
            {
                _ = try replica.untag(article, tags: [code], highlight: highlight.id)
            }
        case 11:
            // Renames, moves and merges (onto an existing name) of whatever the codebook holds.
            let paths = try replica.tags().map(\.tag)
            if let from = paths.randomElement(using: &random) {
                let to = (paths + ["p", "talks/p", "q/r", "x/y"]).randomElement(using: &random)!
                _ = try? replica.renameTag(from, to: to)  // refused onto itself or below itself: fine
            }
        case 12:
            let paths = try replica.tags().map(\.tag)
            if let from = paths.randomElement(using: &random), let into = paths.randomElement(using: &random) {
                _ = try? replica.mergeTag(from, into: into)
            }
        case 13:
            if let path = try replica.tags().map(\.tag).randomElement(using: &random) {
                _ = try replica.describeTag(path, memo: Bool.random(using: &random) ? "" : "memo \(random.next() % 100)")
            }
        case 14:
            if let note = notes.randomElement(using: &random) {
                _ = try replica.reply(to: note.id, body: "reply \(random.next() % 1000)")
            }
        case 16:
            _ = try replica.mark([article], done: Bool.random(using: &random))
        case 17:
            // Decisions on codes in use (or new ones), on the article or one of its spans.
            let paths = try replica.tags().map(\.tag) + [tag]
            let code = paths.randomElement(using: &random)!
            let highlight = Bool.random(using: &random) ? nil : try replica.article(article).highlights.randomElement(using: &random)?.id
            switch Int.random(in: 0..<3, using: &random) {
            case 0: _ = try replica.adjudicate(article, accept: [code], highlight: highlight)
            case 1: _ = try replica.adjudicate(article, reject: [code], highlight: highlight)
            default: _ = try? replica.adjudicate(article, clear: [code], highlight: highlight)  // unknown code: fine
            }
        default:
            _ = try? replica.undo()  // refused for imports, or when nothing is left: fine
        }
    }
}
