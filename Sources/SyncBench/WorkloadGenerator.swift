import Replica
import SeededRandom
import SyncCore

/// Makes a valid, causally plausible history of annotation work, one changeset at a time:
/// the articles' imports first (when asked), then tag additions and removals, note creations
/// and note edits on those articles, by several authors, in changesets of 1 to 10 operations
/// (one `annot` command's worth).
///
/// The mix of annotations: 55% `tag.add`, 10% `tag.remove` of a live addition, 20%
/// `note.create`, 15% `note.edit` of a note's current version.
///
/// Operations are stamped by each author's hybrid logical clock at the current wall time,
/// so the server's drift bound accepts them. Each clock first observes the latest timestamp
/// anyone made, as a replica's does when it syncs, so that a removal or an edit is later
/// than what it refers to.
struct WorkloadGenerator {
    /// The authors, each with a replica and clock of its own.
    let authors: [UserName]
    /// The articles the history refers to.
    let articles: [ArticleID]
    private let tags: [TagName]
    private var clocks: [HybridLogicalClock]
    private let signers: [ReplicaSigner]
    private var latest: Timestamp?
    private var random: SplitMix64
    private var imported: Int
    private var liveTags: [(article: ArticleID, tag: TagName, added: Timestamp)] = []
    private var notes: [(note: EntityID, head: Timestamp)] = []
    private let wallClock = SystemWallClock()

    /// A generator for `authors` on `articles` articles; with `importArticles`, the first
    /// changesets import them.
    init(authors: [UserName], articles: Int, importArticles: Bool, seed: UInt64) throws {
        precondition(!authors.isEmpty && articles > 0, "a workload needs authors and articles")
        self.authors = authors
        self.articles = try (0..<articles).map(Self.articleID)
        tags = try Self.tagVocabulary()
        random = SplitMix64(seed: seed)
        signers = authors.indices.map { ReplicaSigner(seed: seed &+ UInt64($0) &* 0x1000_0001) }
        clocks = signers.map { HybridLogicalClock(replica: $0.replica) }
        imported = importArticles ? 0 : articles
    }

    /// How many articles a history of `operations` operations refers to: one per 100
    /// operations, at most 10,000.
    static func articleCount(forOperations operations: Int) -> Int {
        min(10_000, max(1, operations / 100))
    }

    /// The id of the article numbered `index`: `art-000042`.
    static func articleID(_ index: Int) throws -> ArticleID {
        let digits = String(index)
        return try ArticleID("art-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits)
    }

    /// 200 hierarchical tags, `topic/0` … `region/49`.
    static func tagVocabulary() throws -> [TagName] {
        try ["topic", "region", "source", "status"].flatMap { family in
            try (0..<50).map { try TagName("\(family)/\($0)") }
        }
    }

    /// The next changeset, of at most `limit` operations, by a random author.
    mutating func nextChangeset(limit: Int = 10) throws -> Changeset {
        let author = Int.random(in: 0..<authors.count, using: &random)
        let now = wallClock.milliseconds()
        var clock = clocks[author]
        if let latest { try clock.observe(latest, now: now) }
        var builder = ChangesetBuilder(clock: clock, author: authors[author], signer: signers[author], now: now)
        if imported < articles.count {
            // `annot import` of several files is one changeset.
            for _ in 0..<min(Int.random(in: 1...8, using: &random), articles.count - imported, max(1, limit)) {
                let article = articles[imported]
                let title = "Article \(imported): " + words(4...9)
                let text = title + "\n\n" + words(80...220)
                try builder.add { _ in .importArticle(article: article, title: title, text: text) }
                imported += 1
            }
        } else {
            for _ in 0..<min(Int.random(in: 1...10, using: &random), max(1, limit)) {
                let roll = Int.random(in: 0..<100, using: &random)
                try builder.add { time throws(SyncCoreError) in annotation(roll: roll, at: time) }
            }
        }
        clocks[author] = builder.clock
        latest = builder.clock.latest
        guard let changeset = try builder.build() else { throw SyncBenchError("the generator made an empty changeset") }
        return changeset
    }

    /// `count` tag additions by `author` in one changeset, stamped by `clock` and signed by
    /// `signer` (the clock's replica): the new operations of the incremental and concurrent
    /// workloads.
    static func tagAdditions(
        count: Int, by author: UserName, signer: ReplicaSigner, clock: inout HybridLogicalClock, articles: Int,
        tags: [TagName], random: inout SplitMix64
    ) throws -> Changeset {
        var builder = ChangesetBuilder(clock: clock, author: author, signer: signer, now: SystemWallClock().milliseconds())
        for _ in 0..<count {
            let article = try articleID(Int.random(in: 0..<articles, using: &random))
            let tag = tags[Int.random(in: 0..<tags.count, using: &random)]
            try builder.add { _ in .addTag(article: article, tag: tag) }
        }
        clock = builder.clock
        guard let changeset = try builder.build() else { throw SyncBenchError("asked for an empty changeset") }
        return changeset
    }

    private mutating func annotation(roll: Int, at time: Timestamp) -> Action {
        let article = articles[Int.random(in: 0..<articles.count, using: &random)]
        switch roll {
        case 55..<65 where !liveTags.isEmpty:
            let index = Int.random(in: 0..<liveTags.count, using: &random)
            let removed = liveTags[index]
            liveTags[index] = liveTags[liveTags.count - 1]
            liveTags.removeLast()
            return .removeTag(article: removed.article, tag: removed.tag, removes: [removed.added])
        case 65..<85:
            let note = EntityID(creator: time)
            notes.append((note, time))
            return .createNote(note: note, article: article, body: words(6...40), highlight: nil)
        case 85..<100 where !notes.isEmpty:
            let index = Int.random(in: 0..<notes.count, using: &random)
            let edited = notes[index]
            notes[index].head = time
            return .editNote(note: edited.note, body: words(6...40), base: [edited.head])
        default:
            let tag = tags[Int.random(in: 0..<tags.count, using: &random)]
            liveTags.append((article, tag, time))
            return .addTag(article: article, tag: tag)
        }
    }

    /// A sentence of random words from a small vocabulary.
    private mutating func words(_ count: ClosedRange<Int>) -> String {
        let length = Int.random(in: count, using: &random)
        var text = ""
        for index in 0..<length {
            if index > 0 { text += " " }
            text += Self.vocabulary[Int.random(in: 0..<Self.vocabulary.count, using: &random)]
        }
        return text + "."
    }

    private static let vocabulary = [
        "the", "delegation", "ceasefire", "talks", "agreed", "on", "a", "framework", "for", "humanitarian", "access",
        "minister", "said", "that", "negotiations", "would", "resume", "next", "week", "in", "Doha", "observers",
        "reported", "violations", "along", "border", "sources", "confirmed", "prisoner", "exchange", "statement",
        "denied", "claims", "of", "shelling", "near", "crossing", "aid", "convoys", "were", "delayed", "by",
        "checkpoints", "officials", "expect", "vote", "council", "resolution", "draft", "calls", "immediate",
        "withdrawal", "and", "monitoring", "mission", "with", "mandate", "months", "analysts", "doubt", "it", "will",
        "hold", "precondition",
    ]
}
