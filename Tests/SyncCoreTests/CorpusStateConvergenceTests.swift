import Foundation
import SeededRandom
import Testing

@testable import SyncCore

/// Property: replicas of the in-memory model that receive the same operations in any
/// order, with duplicates, reach byte-identical snapshots.
// Serialized: hundreds of CPU-bound cases queued at once would hold back, for tens of
// seconds, the async tests waiting on PostgreSQL and sockets (2 cores here).
@Suite(.timeLimit(.minutes(10)), .serialized)
struct CorpusStateConvergenceTests {
    static var seeds: [UInt64] { RandomWorkload.seeds(defaultCount: 500) }

    @Test(arguments: seeds)
    func anyDeliveryOrderConverges(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let operations = RandomWorkload.operations(count: 60, replicas: 3, random: &random)
        var reference = CorpusState()
        for operation in operations { reference.apply(operation) }
        let expected = reference.snapshot().canonicalJSON()
        for _ in 0..<3 {
            var delivery = operations + operations.filter { _ in Bool.random(using: &random) }
            delivery.shuffle(using: &random)
            var state = CorpusState()
            for operation in delivery { state.apply(operation) }
            let actual = state.snapshot().canonicalJSON()
            #expect(actual == expected, "diverged: replay with CONVERGENCE_SEED=\(seed)")
        }
    }
}

/// Property: every piece of the corpus (``CorpusEntity``) resolves from the operations about
/// it alone exactly as from the whole log, and the pieces and codes an operation is found
/// to be about cover the whole snapshot: what the server's merged view relies on.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct CorpusEntityTests {
    @Test(arguments: CorpusStateConvergenceTests.seeds.prefix(300))
    func eachPieceResolvesFromItsOwnOperations(seed: UInt64) {
        // Given a random history and its reference merge,
        var random = SplitMix64(seed: seed)
        let operations = RandomWorkload.operations(count: 60, replicas: 3, random: &random)
        var reference = CorpusState()
        for operation in operations { reference.apply(operation) }
        // when the operations are sorted by the pieces they are about,
        var byEntity: [CorpusEntity: [SyncOperation]] = [:]
        var mentions: [TagName: CodeMention] = [:]
        for operation in operations {
            let (entities, named) = CorpusState.entities(of: operation)
            for entity in entities { byEntity[entity, default: []].append(operation) }
            for (tag, mention) in named where mentions[tag].map({ mention.timestamp < $0.timestamp }) ?? true {
                mentions[tag] = mention
            }
        }
        // then each piece, merged from its own operations in any order, resolves as in the whole,
        for (entity, about) in byEntity {
            var partial = CorpusState()
            for operation in about.shuffled(using: &random) { partial.apply(operation) }
            #expect(partial.resolve(entity) == reference.resolve(entity), "\(entity) differs: replay with CONVERGENCE_SEED=\(seed)")
        }
        // and every piece of the snapshot is one the operations were found to be about.
        let snapshot = reference.snapshot()
        for article in snapshot.articles { #expect(byEntity[.article(article.id)] != nil) }
        for note in snapshot.notes { #expect(byEntity[.note(note.id)] != nil) }
        for highlight in snapshot.highlights { #expect(byEntity[.highlight(highlight.id)] != nil) }
        for tagging in snapshot.tags {
            #expect(byEntity[.coding(article: tagging.article, tag: tagging.tag, highlight: tagging.highlight)] != nil)
        }
        for status in snapshot.statuses { #expect(byEntity[.status(article: status.article, user: status.user)] != nil) }
        for decision in snapshot.decisions {
            #expect(byEntity[.decision(DecisionKey(article: decision.article, tag: decision.tag, highlight: decision.highlight))] != nil)
        }
        #expect(Set(snapshot.codes.map(\.id)) == Set(mentions.keys))
        for code in snapshot.codes {
            #expect(mentions[code.id] == CodeMention(timestamp: code.created, author: code.createdBy))
        }
    }
}

/// Random but causally plausible operations from several replicas: each replica builds on
/// what it has seen so far, and replicas see each other's work only now and then, so that
/// concurrent adds and removes, and concurrent edits and deletes, happen often.
enum RandomWorkload {
    /// `CONVERGENCE_SEED=N` replays one seed; `CONVERGENCE_SEEDS=N` runs N seeds.
    static func seeds(defaultCount: Int) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let one = environment["CONVERGENCE_SEED"].flatMap(UInt64.init) { return [one] }
        let count = environment["CONVERGENCE_SEEDS"].flatMap(Int.init) ?? defaultCount
        return (0..<UInt64(count)).map { $0 &* 0x9E37_79B9 &+ 1 }
    }

    static func operations(count: Int, replicas: Int, random: inout SplitMix64) -> [SyncOperation] {
        let authors = (0..<replicas).map { try! UserName("user\($0)") }
        var clocks = (0..<replicas).map { HybridLogicalClock(replica: ReplicaID(bits: UInt64($0 + 1))) }
        var views = Array(repeating: CorpusState(), count: replicas)
        var all: [SyncOperation] = []
        let articles = ["a1", "a2"].map { try! ArticleID($0) }
        let tags = ["x", "y", "x/z", "w"].map { try! TagName($0) }
        var notes: [EntityID] = []
        var highlights: [EntityID] = []
        var now: UInt64 = 1_700_000_000_000
        for _ in 0..<count {
            let r = Int.random(in: 0..<replicas, using: &random)
            now += UInt64.random(in: 0...3, using: &random)
            let time = try! clocks[r].tick(now: now)
            let view = views[r]
            let article = articles.randomElement(using: &random)!
            let tag = tags.randomElement(using: &random)!
            let action: Action
            switch Int.random(in: 0..<18, using: &random) {
            case 0:
                action = .importArticle(
                    article: article, title: "t", text: Bool.random(using: &random) ? "text" : "other text")
            case 1, 2:
                action = .addTag(article: article, tag: tag)
            case 3:
                action = .removeTag(article: article, tag: tag, removes: view.liveAdditions(of: tag, on: article))
            case 4:
                action = .createNote(note: EntityID(creator: time), article: article, body: "n\(time.counter)", highlight: nil)
                notes.append(EntityID(creator: time))
            case 5 where !notes.isEmpty, 6 where !notes.isEmpty:
                let note = notes.randomElement(using: &random)!
                action = .editNote(note: note, body: "e\(all.count)", base: view.heads(of: note).map(\.timestamp).sorted())
            case 7 where !notes.isEmpty:
                let note = notes.randomElement(using: &random)!
                action = .deleteNote(note: note, base: view.heads(of: note).map(\.timestamp).sorted())
            case 8:
                action = .createHighlight(
                    highlight: EntityID(creator: time), article: article, selector: .init(text: "some text", start: 0, end: 4))
                highlights.append(EntityID(creator: time))
            case 10 where !highlights.isEmpty:
                // A coded span, sometimes naming a highlight of another article.
                action = .addTag(article: article, tag: tag, highlight: highlights.randomElement(using: &random)!)
            case 11 where !highlights.isEmpty:
                let highlight = highlights.randomElement(using: &random)!
                action = .removeTag(
                    article: article, tag: tag, highlight: highlight,
                    removes: view.liveAdditions(of: tag, on: article, highlight: highlight))
            case 12:
                // Renames and moves, under any code (itself and its subtree included: cycles).
                let parent = Bool.random(using: &random) ? nil : tags.randomElement(using: &random)!
                action = .renameTag(
                    tag: tag, parent: parent, label: ["p", "q", "z"].randomElement(using: &random)!,
                    base: view.nameHeads(of: tag).map(\.timestamp).sorted())
            case 13:
                let into = tags.filter { $0 != tag }.randomElement(using: &random)!
                action = .mergeTag(tag: tag, into: into, base: view.nameHeads(of: tag).map(\.timestamp).sorted())
            case 14:
                action = .describeTag(
                    tag: tag, memo: Bool.random(using: &random) ? "" : "m\(all.count)",
                    base: view.memoHeads(of: tag).map(\.timestamp).sorted())
            case 15 where !notes.isEmpty:
                action = .createNote(
                    note: EntityID(creator: time), article: article, body: "r\(time.counter)", highlight: nil,
                    replyTo: notes.randomElement(using: &random)!)
                notes.append(EntityID(creator: time))
            case 16:
                action = .articleStatus(article: article, done: Bool.random(using: &random))
            case 17:
                let highlight = Bool.random(using: &random) ? nil : highlights.randomElement(using: &random)
                let key = DecisionKey(article: article, tag: tag, highlight: highlight)
                action = .decideTag(
                    article: article, tag: tag, highlight: highlight,
                    decision: DecideTag.Decision.allCases.randomElement(using: &random)!,
                    base: view.decisionHeads(of: key).map(\.timestamp).sorted())
            default:
                if let highlight = highlights.randomElement(using: &random) {
                    action = .deleteHighlight(highlight: highlight)
                } else {
                    action = .addTag(article: article, tag: tag)
                }
            }
            let operation = SyncOperation(timestamp: time, author: authors[r], action: action)
            all.append(operation)
            views[r].apply(operation)
            // Now and then a replica catches up with everything made so far.
            if Int.random(in: 0..<4, using: &random) == 0 {
                let other = Int.random(in: 0..<replicas, using: &random)
                for known in all { views[other].apply(known) }
                try! clocks[other].observe(time, now: now)
            }
        }
        return all
    }
}
