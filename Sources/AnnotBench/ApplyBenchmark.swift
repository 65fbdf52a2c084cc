import Foundation
import GRDB
import Replica
import SeededRandom
import SyncCore

/// (a) Applying N remote operations to a replica, against inserting N rows of the same
/// data with plain SQL in one transaction through the same SQLite.
struct ApplyBenchmark {
    let folder: URL
    let operations: Int
    let runs: Int

    func run() throws {
        let changesets = try Self.workload(operations: operations)
        let rows = changesets.flatMap(\.operations)
        // What a pull delivers: the wire bytes, whose decoding verifies every signature and
        // recomputes every content id.
        let document = WireFormat.encode(changesets)
        let keys = Self.bindings(changesets)
        print("\n(a) apply \(rows.count) remote operations in \(changesets.count) changesets (60% tag.add, 10% tag.remove, 20% note.create, 10% note.edit)")
        var verified: [Double] = []
        var decoded: [Double] = []
        var plain: [Double] = []
        for run in 0..<runs {
            // Rotate the order so that no side always runs on a warmer machine.
            let sides = [0, 1, 2]
            for side in sides[(run % 3)...] + sides[..<(run % 3)] {
                switch side {
                case 0:
                    // Every changeset's signature verified (as `Changeset` does on receipt), then applied.
                    let replica = try fresh("verified-\(run)", keys)
                    verified.append(
                        try Measure.seconds {
                            let received = try changesets.map { try Changeset($0.operations, key: $0.key, signature: $0.signature) }
                            let report = try replica.apply(received, origin: .server)
                            precondition(report.applied == rows.count, "every operation is applied")
                        })
                case 1:
                    // The wire bytes decoded (content ids recomputed, signatures verified), then applied.
                    let replica = try fresh("decoded-\(run)", keys)
                    decoded.append(
                        try Measure.seconds {
                            let report = try replica.apply(try WireFormat.decode(document), origin: .server)
                            precondition(report.applied == rows.count, "every operation is applied")
                        })
                default:
                    plain.append(try Self.plainInsert(rows, path: folder.appendingPathComponent("plain-\(run).sqlite").path))
                }
            }
        }
        let plainRate = Double(rows.count) / Measure.median(plain)
        for (name, times) in [("verify + apply", verified), ("decode + apply", decoded), ("plain INSERT  ", plain)] {
            let rate = Double(rows.count) / Measure.median(times)
            print("  \(name): median \(Measure.format(Measure.median(times), 3)) s  (\(Int(rate)) ops/s, \(Measure.format(rate / plainRate)) of plain)  runs: \(times.map { Measure.format($0, 3) })")
        }
    }

    private func fresh(_ name: String, _ keys: [SyncProtocol.KeyBinding]) throws -> LocalReplica {
        let replica = try LocalReplica.create(
            at: folder.appendingPathComponent("apply-\(name).sqlite").path, user: try UserName("bench"))
        try replica.recordServerKeys(keys)
        return replica
    }

    /// The key directory a server would give for the changesets' authors.
    static func bindings(_ changesets: [Changeset]) -> [SyncProtocol.KeyBinding] {
        Array(Set(changesets.map { SyncProtocol.KeyBinding(key: $0.key, user: $0.author, role: "annotator") }))
    }

    /// Inserts one row per operation (id, author, kind, article, value) with one cached
    /// statement in one transaction, on a database configured like a replica.
    static func plainInsert(_ operations: [SyncOperation], path: String) throws -> Double {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try database.write { db in
            try db.execute(
                sql: "CREATE TABLE plain (id TEXT PRIMARY KEY, author TEXT NOT NULL, kind TEXT NOT NULL, article TEXT, value TEXT)")
        }
        // Prepare the values outside the timed part: the baseline is SQLite's insert rate.
        let values: [StatementArguments] = operations.map { operation in
            let value: String? =
                switch operation.action {
                case .addTag(let body): body.tag.rawValue
                case .removeTag(let body): body.tag.rawValue
                case .createNote(let body): body.body
                case .editNote(let body): body.body
                default: nil
                }
            return [operation.timestamp.description, operation.author.rawValue, operation.action.kind,
                operation.action.article?.rawValue, value]
        }
        return try Measure.seconds {
            try database.write { db in
                let statement = try db.makeStatement(sql: "INSERT INTO plain VALUES (?, ?, ?, ?, ?)")
                for arguments in values { try statement.execute(arguments: arguments) }
            }
        }
    }

    /// Changesets of 100 operations from 10 remote authors on 1,000 articles, the same
    /// ones on every run (a fixed seed).
    static func workload(operations: Int) throws -> [Changeset] {
        var random = SplitMix64(seed: 0xA11CE)
        let now = SystemWallClock().milliseconds() - 3_600_000
        var changesets: [Changeset] = []
        var liveTags: [(ArticleID, TagName, Timestamp)] = []
        var notes: [(EntityID, Timestamp)] = []
        var made = 0
        var author = 0
        var clocks: [Int: HybridLogicalClock] = [:]
        while made < operations {
            author = (author + 1) % 10
            let signer = ReplicaSigner(seed: UInt64(author + 100))
            var clock = clocks[author] ?? HybridLogicalClock(replica: signer.replica)
            let user = try UserName("analyst\(author)")
            var builder = ChangesetBuilder(clock: clock, author: user, signer: signer, now: now + UInt64(made))
            for _ in 0..<min(100, operations - made) {
                let article = try ArticleID(String(format: "%03d_bench", Int.random(in: 0..<1000, using: &random)))
                let roll = Int.random(in: 0..<10, using: &random)
                try builder.add { time throws(SyncCoreError) -> Action in
                    switch roll {
                    case 0..<6:
                        let tag = try TagName("topic/\(Int.random(in: 0..<50, using: &random))")
                        liveTags.append((article, tag, time))
                        return .addTag(article: article, tag: tag)
                    case 6 where !liveTags.isEmpty:
                        let (article, tag, addition) = liveTags.removeLast()
                        return .removeTag(article: article, tag: tag, removes: [addition])
                    case 7, 8:
                        notes.append((EntityID(creator: time), time))
                        return .createNote(
                            note: EntityID(creator: time), article: article, body: "A note about the talks, \(time.counter).",
                            highlight: nil)
                    default:
                        guard let (note, base) = notes.popLast() else { return .addTag(article: article, tag: try TagName("misc")) }
                        notes.append((note, time))
                        return .editNote(note: note, body: "Edited: the precondition is a ceasefire.", base: [base])
                    }
                }
                made += 1
            }
            clock = builder.clock
            clocks[author] = clock
            if let changeset = try builder.build() { changesets.append(changeset) }
        }
        return changesets
    }
}
