import Foundation
import SeededRandom
import SyncCore

/// Random histories that include what hostile or buggy peers send: removals and edits
/// naming other tags' additions and other notes' versions, conflicting imports of one
/// article, deletions of others' highlights, span codings of any highlight, renames into
/// cycles, decisions on anything. Signed changesets by three replicas, for the property
/// tests of the SQLite replica and of the server's merged view.
public enum HostileHistory {
    public static let signers = (1...3).map { ReplicaSigner(seed: 0xB0B0 + UInt64($0)) }
    public static let authors = (1...3).map { try! UserName("peer\($0)") }
    public static let articles = ["a1", "a2", "a3"].map { try! ArticleID($0) }
    public static let tags = ["x", "y", "talks/doha", "talks"].map { try! TagName($0) }

    /// About 40 changesets by three replicas, each a run of 1 to 3 operations, referring to
    /// what anyone made so far, hostile references included.
    public static func changesets(random: inout SplitMix64) throws -> [Changeset] {
        var clocks = signers.map { HybridLogicalClock(replica: $0.replica) }
        var additions: [Timestamp] = []
        var codeVersions: [Timestamp] = []
        var decisions: [Timestamp] = []
        var versions: [(EntityID, Timestamp)] = []
        var highlights: [EntityID] = []
        var changesets: [Changeset] = []
        var now: UInt64 = 1_700_000_000_000
        for _ in 0..<40 {
            let peer = Int.random(in: 0..<3, using: &random)
            now += UInt64.random(in: 0...5, using: &random)
            var builder = ChangesetBuilder(clock: clocks[peer], author: authors[peer], signer: signers[peer], now: now)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let article = articles.randomElement(using: &random)!
                let tag = tags.randomElement(using: &random)!
                let roll = Int.random(in: 0..<22, using: &random)
                let made = try builder.add { time throws(SyncCoreError) -> Action in
                    switch roll {
                    case 0:
                        // Conflicting imports: one of two texts for each article, by anyone; the
                        // two are canonically equivalent (precomposed é, and e + U+0301), which
                        // Swift's `==` would take for one text.
                        let variant = Int.random(in: 0..<2, using: &random)
                        return .importArticle(
                            article: article, title: "T\(variant)", text: "Text caf\(variant == 0 ? "\u{E9}" : "e\u{301}") of \(article).")
                    case 1, 2:
                        return .addTag(article: article, tag: tag)
                    case 3:
                        // Removes naming any additions, of any tag on any article (only its own count).
                        let named = additions.filter { $0 < time }.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random))
                        return .removeTag(article: article, tag: tag, removes: Array(named))
                    case 4, 5:
                        return .createNote(note: EntityID(creator: time), article: article, body: "n\(time.counter)", highlight: highlights.randomElement(using: &random))
                    case 6, 7:
                        guard let (note, _) = versions.randomElement(using: &random) else { return .addTag(article: article, tag: tag) }
                        // A base naming versions of any notes (only this note's count).
                        let base = Set(versions.filter { $0.1 < time }.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)).map(\.1))
                        return .editNote(note: note, body: "e\(time.milliseconds % 1000)", base: base.sorted())
                    case 8:
                        guard let (note, _) = versions.randomElement(using: &random) else { return .addTag(article: article, tag: tag) }
                        let base = Set(versions.filter { $0.1 < time }.shuffled(using: &random).prefix(2).map(\.1))
                        return .deleteNote(note: note, base: base.sorted())
                    case 9, 10:
                        return .createHighlight(
                            highlight: EntityID(creator: time), article: article, selector: TextSelector(text: "Text 0 of a1.", start: 0, end: 4))
                    case 11:
                        guard let highlight = highlights.randomElement(using: &random) else { return .addTag(article: article, tag: tag) }
                        return .deleteHighlight(highlight: highlight)
                    case 12, 13:
                        // Span codings naming any highlight, of any article, live or not.
                        guard let highlight = highlights.randomElement(using: &random) else { return .addTag(article: article, tag: tag) }
                        return .addTag(article: article, tag: tag, highlight: highlight)
                    case 14:
                        // Span removals naming any additions, with any highlight.
                        guard let highlight = highlights.randomElement(using: &random) else { return .addTag(article: article, tag: tag) }
                        let named = additions.filter { $0 < time }.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random))
                        return .removeTag(article: article, tag: tag, highlight: highlight, removes: Array(named))
                    case 15:
                        // Renames under any code, itself included; bases naming any code versions.
                        let base = Set(codeVersions.filter { $0 < time }.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)))
                        let parent = Bool.random(using: &random) ? nil : tags.randomElement(using: &random)!
                        return .renameTag(tag: tag, parent: parent, label: ["p", "talks", "doha"].randomElement(using: &random)!, base: base.sorted())
                    case 16:
                        let base = Set(codeVersions.filter { $0 < time }.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)))
                        let into = tags.filter { $0 != tag }.randomElement(using: &random)!
                        return .mergeTag(tag: tag, into: into, base: base.sorted())
                    case 17:
                        let base = Set(codeVersions.filter { $0 < time }.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)))
                        return .describeTag(tag: tag, memo: Bool.random(using: &random) ? "" : "m\(time.counter)", base: base.sorted())
                    case 19:
                        // Statuses flipping in any order.
                        return .articleStatus(article: article, done: Bool.random(using: &random))
                    case 20:
                        // Decisions on any code, article or highlight, with bases naming any
                        // decision (only this register's count).
                        let base = Set(decisions.filter { $0 < time }.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)))
                        return .decideTag(
                            article: article, tag: tag, highlight: Bool.random(using: &random) ? nil : highlights.randomElement(using: &random),
                            decision: DecideTag.Decision.allCases.randomElement(using: &random)!, base: base.sorted())
                    default:
                        // Replies to any note, of any article, even deleted or not yet made.
                        guard let (note, _) = versions.randomElement(using: &random) else { return .addTag(article: article, tag: tag) }
                        return .createNote(
                            note: EntityID(creator: time), article: article, body: "r\(time.counter)", highlight: nil, replyTo: note)
                    }
                }
                switch made.action {
                case .addTag: additions.append(made.timestamp)
                case .renameTag, .mergeTag, .describeTag: codeVersions.append(made.timestamp)
                case .decideTag: decisions.append(made.timestamp)
                case .createNote(let note): versions.append((note.note, made.timestamp))
                case .editNote(let edit): versions.append((edit.note, made.timestamp))
                case .createHighlight(let highlight): highlights.append(highlight.highlight)
                default: break
                }
            }
            clocks[peer] = builder.clock
            // Peers see each other's work now and then.
            if Bool.random(using: &random), let latest = builder.clock.latest {
                for other in clocks.indices where other != peer { try clocks[other].observe(latest, now: now) }
            }
            if let changeset = try builder.build() { changesets.append(changeset) }
        }
        return changesets
    }
}
