import Foundation
import GRDB
import SyncCore

extension LocalReplica {
    /// This replica's operations applied after `cursor` (a local sequence number; 0 for
    /// all), as a changes document, with the cursor to pass next time.
    ///
    /// Every operation the replica holds is included, whoever wrote it, so that changes
    /// files relay work between analysts who never meet a server; each changeset keeps its
    /// author's signature, so a relay can forge nothing.
    public func changes(since cursor: Int = 0, limit: Int = .max) throws(ReplicaError) -> ChangesPage {
        try ReplicaError.guarded {
            try database.read { db in
                var rows = try LoggedOperation.fetchAll(
                    db,
                    sql: """
                        SELECT o.seq, o.changeset, c.key, c.signature, o.payload
                        FROM operations o JOIN changesets c ON c.id = o.changeset
                        WHERE o.seq > ? ORDER BY o.seq LIMIT ?
                        """,
                    arguments: [cursor, limit == .max ? -1 : limit])
                // A changeset is signed whole: a cursor inside one (not one this command
                // printed) starts at the next changeset, and a limit ends at the last whole one.
                if let inside = try String.fetchOne(db, sql: "SELECT changeset FROM operations WHERE seq = ?", arguments: [cursor]) {
                    rows = Array(rows.drop { $0.changeset == inside })
                }
                if limit != .max, rows.count == limit, let last = rows.last,
                    try String.fetchOne(db, sql: "SELECT changeset FROM operations WHERE seq > ? ORDER BY seq LIMIT 1", arguments: [last.seq])
                        == last.changeset
                {
                    rows.removeAll { $0.changeset == last.changeset }
                }
                let last = rows.last?.seq ?? cursor
                return ChangesPage(document: LoggedOperation.document(rows), operations: rows.count, cursor: last)
            }
        }
    }

    /// Merges changesets from elsewhere (a changes file, a server), in one transaction:
    /// all of them or, on any error, none.
    ///
    /// Every changeset arrives verified (signature, replica and ids: ``SyncCore/Changeset``).
    /// Here the key directory must also bind its key to its author: a changeset from a key
    /// the directory does not know yet is held, not applied, until the key is known
    /// (``heldChangesets()``); one whose key belongs to someone else is refused. Changesets
    /// already held are skipped, so applying the same changes twice, or in any order, gives
    /// the same state. Every timestamp applied is checked against the drift bound.
    /// - Throws: ``ReplicaError/invalid(_:)`` with ``SyncCore/SyncCoreError/clockDrift(remote:aheadByMilliseconds:limitMilliseconds:)``
    ///   when an operation is stamped too far in the future, ``ReplicaError/forgedAuthor(author:keyOwner:key:)``
    ///   and collisions as ``SyncCore/SyncCoreError/collision(_:held:received:)``.
    public func apply(_ changesets: [Changeset], origin: Origin) throws(ReplicaError) -> ApplyReport {
        try ReplicaError.guarded {
            try database.write { db in try self.apply(changesets, origin: origin, db) }
        }
    }

    /// Applies `changesets` in order in the caller's transaction, stopping early (after one
    /// changeset at least) when `pause` says so: the report's `changesets` says how many
    /// were taken.
    func apply(_ changesets: some Collection<Changeset>, origin: Origin, _ db: Database, pause: () -> Bool = { false }) throws
        -> ApplyReport
    {
        var clock = try Self.identity(db, path: path).clock
        let now = wallClock.milliseconds()
        let applier = OperationApplier(db: db, now: now)
        let directory = KeyDirectory(db)
        var report = ApplyReport()
        let anyHeld = try Bool.exists(db, "SELECT 1 FROM held_changesets LIMIT 1", [])
        for changeset in changesets {
            if report.changesets > 0 && pause() { break }
            report.changesets += 1
            report.operations += changeset.operations.count
            if case .hold(let reason) = try directory.verdict(on: changeset, origin: origin) {
                try hold(changeset, reason: reason, origin: origin, now: now, db)
                report.held += 1
                continue
            }
            // The drift bound, with the allowance for two clocks that disagree (so that what
            // the server took within its own bound passes here): a changeset stamped further
            // ahead is refused by file, and held when it comes from the server, so that one
            // operation never stops the rest of a pull; it is tried again at the next sync.
            var observed = clock
            var drift: SyncCoreError?
            for operation in changeset.operations {
                do { try observed.observe(operation.timestamp, now: now, allowance: HybridLogicalClock.skewAllowance) } catch {
                    drift = error
                    break
                }
            }
            if let drift {
                guard origin == .server else { throw drift }
                try hold(changeset, reason: drift.description, origin: origin, now: now, db)
                report.held += 1
                continue
            }
            let outcome: OperationApplier.Outcome
            do {
                outcome = try applier.apply(changeset, origin: origin)
            } catch let error as ReplicaError where origin == .server && error.isCollision {
                // The server holds another operation with one of this replica's timestamps
                // (this replica was copied, or forged): keep ours, hold theirs, say so, and
                // go on receiving everything else. Nothing was written for it.
                try hold(changeset, reason: error.description, origin: origin, now: now, db)
                report.held += 1
                continue
            }
            clock = observed
            switch outcome {
            case .applied:
                report.applied += changeset.operations.count
                // A copy held earlier (from a file, or before its key was known) is done with.
                if anyHeld {
                    try db.execute(sql: "DELETE FROM held_changesets WHERE id = ?", arguments: [changeset.id.rawValue])
                }
            case .duplicate:
                report.duplicates += changeset.operations.count
            }
        }
        try Self.store(clock: clock, db)
        return report
    }

    private func hold(_ changeset: Changeset, reason: String, origin: Origin, now: UInt64, _ db: Database) throws {
        // Held once; a changeset already applied is not held again.
        guard try !Bool.exists(db, "SELECT 1 FROM changesets WHERE id = ?", [changeset.id.rawValue]) else { return }
        try db.execute(
            sql: """
                INSERT INTO held_changesets (id, key, author, document, reason, origin, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """,
            arguments: [
                changeset.id.rawValue, changeset.key.rawValue, changeset.author.rawValue,
                String(decoding: WireFormat.encode([changeset]), as: UTF8.self), reason, origin.rawValue, Int64(now),
            ])
    }

    /// Applies the held changesets that the directory now allows, in the caller's
    /// transaction; the others stay held, with the reason brought up to date (a key now
    /// known to be someone else's makes the changeset a forgery).
    /// - Returns: how many were applied.
    @discardableResult
    func releaseHeld(_ db: Database) throws -> Int {
        var released = 0
        let directory = KeyDirectory(db)
        let rows = try Row.fetchAll(db, sql: "SELECT id, document, origin, reason FROM held_changesets ORDER BY received_at, id")
        for row in rows {
            let id: String = row["id"]
            guard let changeset = (try? WireFormat.decode(Data((row["document"] as String).utf8)))?.first else { continue }
            let origin = Origin(rawValue: row["origin"]) ?? .file
            let verdict: KeyDirectory.Verdict
            do {
                verdict = try directory.verdict(on: changeset, origin: origin)
            } catch let error as ReplicaError {
                verdict = .hold(error.description)
            }
            if case .hold(let reason) = verdict {
                if reason != row["reason"] as String {
                    try db.execute(sql: "UPDATE held_changesets SET reason = ? WHERE id = ?", arguments: [reason, id])
                }
                continue
            }
            // Each in a savepoint of its own: one that still cannot be applied (a timestamp
            // too far ahead, a collision) stays held with its new reason, and never stops the
            // others, or the sync that released them.
            do {
                try db.inSavepoint {
                    try db.execute(sql: "DELETE FROM held_changesets WHERE id = ?", arguments: [id])
                    let report = try apply([changeset], origin: origin, db)
                    released += report.changesets - report.held
                    return .commit
                }
            } catch let error where !(error is DatabaseError) {
                try db.execute(sql: "UPDATE held_changesets SET reason = ? WHERE id = ?", arguments: ["\(error)", id])
            }
        }
        return released
    }
}

/// One operation as a log stores it, with its changeset's key and signature: what a changes
/// document is spliced from.
struct LoggedOperation: FetchableRecord, Decodable {
    let seq: Int
    let changeset: String
    let key: String
    let signature: String
    let payload: String

    static func document(_ rows: [LoggedOperation]) -> [UInt8] {
        WireFormat.document(
            rawChangesets: WireFormat.changesetRuns(
                rows.lazy.map { (changeset: $0.changeset, key: $0.key, signature: $0.signature, payload: $0.payload) }))
    }
}

extension Bool {
    static func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) ?? false
    }
}
