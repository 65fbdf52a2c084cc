import GRDB
import SyncCore

extension LocalReplica {
    /// This replica's operations applied after `cursor` (a local sequence number; 0 for
    /// all), as a changes document, with the cursor to pass next time.
    ///
    /// Every operation the replica holds is included, whoever wrote it, so that changes
    /// files relay work between analysts who never meet a server.
    public func changes(since cursor: Int = 0, limit: Int = .max) throws(ReplicaError) -> ChangesPage {
        try ReplicaError.guarded {
            try database.read { db in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT seq, changeset, payload FROM operations WHERE seq > ? ORDER BY seq LIMIT ?",
                    arguments: [cursor, limit == .max ? -1 : limit])
                let groups = WireFormat.changesetRuns(rows.lazy.map { (changeset: $0["changeset"] as String, payload: $0["payload"] as String) })
                let last = rows.last.map { $0["seq"] as Int } ?? cursor
                return ChangesPage(document: WireFormat.document(rawChangesets: groups), operations: rows.count, cursor: last)
            }
        }
    }

    /// Merges changesets from elsewhere (a changes file, a server), in one transaction:
    /// all of them or, on any error, none.
    ///
    /// Operations already held are skipped, so applying the same changes twice, or in any
    /// order, gives the same state. Every timestamp is checked against the drift bound first.
    /// - Throws: ``ReplicaError/invalid(_:)`` with ``SyncCore/SyncCoreError/clockDrift(remote:aheadByMilliseconds:limitMilliseconds:)``
    ///   when an operation is stamped too far in the future.
    public func apply(_ changesets: [Changeset], origin: Origin) throws(ReplicaError) -> ApplyReport {
        try ReplicaError.guarded {
            try database.write { db in try self.apply(changesets, origin: origin, db) }
        }
    }

    func apply(_ changesets: [Changeset], origin: Origin, _ db: Database) throws -> ApplyReport {
        var clock = try Self.identity(db, path: path).clock
        let now = wallClock.milliseconds()
        let applier = OperationApplier(db: db, now: now)
        var report = ApplyReport()
        for changeset in changesets {
            report.changesets += 1
            let id = changeset.id.description
            for operation in changeset.operations {
                try clock.observe(operation.timestamp, now: now)
                report.operations += 1
                if try applier.apply(operation, changeset: id, origin: origin) {
                    report.applied += 1
                } else {
                    report.duplicates += 1
                }
            }
        }
        try Self.store(clock: clock, db)
        return report
    }
}
