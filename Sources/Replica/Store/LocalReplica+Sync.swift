import GRDB
import SyncCore

/// The sync server this replica talks to, and how far it has got with it.
public struct RemoteSettings: Sendable, Hashable, Codable {
    public let url: String
    public let token: String
    /// The server sequence number received up to.
    public let pullCursor: Int64
    /// The local sequence number pushed up to.
    public let pushCursor: Int
    /// When the last complete sync ended, in milliseconds since 1970.
    public let lastSyncAt: Int64?
    /// Why the last sync failed, if it did.
    public let lastError: String?
    /// The identity of the server store the cursors belong to, once a pull reported it.
    public let storeID: String?
    /// The content id of the operation at the pull cursor, which the next pull checks.
    public let cursorOperation: String?
}

/// One of this user's changesets that the server refused for good.
public struct RefusedChangeset: Sendable, Hashable, Codable {
    public let id: String
    /// The server's error code (`import_forbidden`, `hlc_collision`, …).
    public let code: String
    /// The server's message.
    public let reason: String
    public let operations: Int
}

/// A batch of this user's operations to push, as a changes document.
public struct PushBatch: Sendable {
    public let document: [UInt8]
    public let operations: Int
    /// The ids of the changesets in the batch, in order.
    public let changesets: [String]
    /// Mark the batch pushed through this local sequence number once the server has it.
    public let lastSeq: Int
}

extension LocalReplica {
    static let remoteName = "origin"

    /// Points the replica at a sync server. Changing the URL starts over with the new
    /// server (everything is pushed and pulled again; both are idempotent).
    public func setRemote(url: String, token: String) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                let existing = try String.fetchOne(db, sql: "SELECT url FROM remotes WHERE name = ?", arguments: [Self.remoteName])
                if existing == url {
                    try db.execute(sql: "UPDATE remotes SET token = ? WHERE name = ?", arguments: [token, Self.remoteName])
                } else {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO remotes (name, url, token) VALUES (?, ?, ?)",
                        arguments: [Self.remoteName, url, token])
                }
            }
        }
    }

    /// The sync server, or nil when none is set.
    public func remote() throws(ReplicaError) -> RemoteSettings? {
        try ReplicaError.guarded {
            try database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM remotes WHERE name = ?", arguments: [Self.remoteName]).map { row in
                    RemoteSettings(
                        url: row["url"], token: row["token"], pullCursor: row["pull_cursor"], pushCursor: row["push_cursor"],
                        lastSyncAt: row["last_sync_at"], lastError: row["last_error"], storeID: row["store_id"],
                        cursorOperation: row["cursor_operation"])
                }
            }
        }
    }

    /// The next batch of operations to push: those authored by this replica's user (here
    /// or on another of the user's replicas, received by file) that were not pulled from
    /// the server and are past the push cursor. Whole changesets only; `nil` when none.
    public func pendingPush(limit: Int) throws(ReplicaError) -> PushBatch? {
        try ReplicaError.guarded {
            try database.read { db in
                let user = try Self.identity(db, path: path).user.rawValue
                let cursor = try Int.fetchOne(db, sql: "SELECT push_cursor FROM remotes WHERE name = ?", arguments: [Self.remoteName]) ?? 0
                // Walk this user's pending operations in order and stop at the first changeset
                // boundary at or past `limit`. (A changeset's operations need not be
                // contiguous in the log: a file may bring the rest of a changeset long after
                // its start, so "the rest of the last changeset" must never reach past other
                // operations.) Only this user's changesets are pushed (the key directory
                // bound each one's key to its author when it was applied), and only those the
                // server is not known to hold (`echoed`).
                let pending = try LoggedOperation.fetchCursor(
                    db.cachedStatement(
                        sql: """
                            SELECT o.seq, o.changeset, c.key, c.signature, o.payload
                            FROM operations o INDEXED BY operations_unechoed JOIN changesets c ON c.id = o.changeset
                            WHERE o.seq > ? AND o.author = ? AND o.echoed = 0
                                AND o.changeset NOT IN (SELECT id FROM refused_changesets)
                            ORDER BY o.seq
                            """),
                    arguments: [cursor, user])
                var rows: [LoggedOperation] = []
                while let row = try pending.next() {
                    if rows.count >= limit, row.changeset != rows.last?.changeset { break }
                    rows.append(row)
                }
                guard let last = rows.last else {
                    // Nothing of ours: skip past whatever else arrived, so the next look starts later.
                    let head = try Int.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM operations") ?? 0
                    return head > cursor ? PushBatch(document: [], operations: 0, changesets: [], lastSeq: head) : nil
                }
                var ids: [String] = []
                for row in rows where row.changeset != ids.last { ids.append(row.changeset) }
                return PushBatch(document: LoggedOperation.document(rows), operations: rows.count, changesets: ids, lastSeq: last.seq)
            }
        }
    }

    /// How many operations are waiting to be pushed.
    public func pendingCount() throws(ReplicaError) -> Int {
        try ReplicaError.guarded {
            try database.read { db in
                let user = try Self.identity(db, path: path).user.rawValue
                let cursor = try Int.fetchOne(db, sql: "SELECT push_cursor FROM remotes WHERE name = ?", arguments: [Self.remoteName]) ?? 0
                return try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM operations INDEXED BY operations_unechoed
                        WHERE seq > ? AND author = ? AND echoed = 0 AND changeset NOT IN (SELECT id FROM refused_changesets)
                        """,
                    arguments: [cursor, user]) ?? 0
            }
        }
    }

    /// Records that the server refused one of this user's changesets for good: it is kept,
    /// listed by ``refusedChangesets()``, and not sent again.
    public func refuse(changeset id: String, code: String, reason: String) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO refused_changesets (id, code, reason, refused_at) VALUES (?, ?, ?, ?)",
                    arguments: [id, code, reason, Int64(wallClock.milliseconds())])
            }
        }
    }

    /// Forgets the server's refusals, so that the next sync sends those changesets again
    /// (after an admin made the user a curator, say). - Returns: how many there were.
    @discardableResult
    public func forgetRefusals() throws(ReplicaError) -> Int {
        try ReplicaError.guarded {
            try database.write { db in
                try db.execute(sql: "DELETE FROM refused_changesets")
                let forgotten = db.changesCount
                // Their operations are behind the push cursor: send from before the first.
                if let first = try Int.fetchOne(
                    db, sql: "SELECT min(seq) FROM operations INDEXED BY operations_unechoed WHERE echoed = 0 AND author = (SELECT user_name FROM replica)")
                {
                    try db.execute(
                        sql: "UPDATE remotes SET push_cursor = min(push_cursor, ?) WHERE name = ?", arguments: [first - 1, Self.remoteName])
                }
                return forgotten
            }
        }
    }

    /// This user's changesets the server refused, with its reasons.
    public func refusedChangesets() throws(ReplicaError) -> [RefusedChangeset] {
        try ReplicaError.guarded {
            try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT r.id, r.code, r.reason, count(o.seq) AS operations FROM refused_changesets r
                        LEFT JOIN operations o ON o.changeset = r.id GROUP BY r.id ORDER BY r.refused_at, r.id
                        """
                ).map { RefusedChangeset(id: $0["id"], code: $0["code"], reason: $0["reason"], operations: $0["operations"]) }
            }
        }
    }

    /// After a pull that reached the end: moves the push cursor back before the first
    /// operation of this user that was pushed but did not come back from the server (a server
    /// restored from a backup lost it), so that the next push sends it again.
    /// - Returns: whether anything was lost.
    public func pushAgainWhatTheServerLost() throws(ReplicaError) -> Bool {
        try ReplicaError.guarded {
            try database.write { db in
                let user = try Self.identity(db, path: path).user.rawValue
                let cursor = try Int.fetchOne(db, sql: "SELECT push_cursor FROM remotes WHERE name = ?", arguments: [Self.remoteName]) ?? 0
                guard
                    let first = try Int.fetchOne(
                        db,
                        sql: """
                            SELECT min(seq) FROM operations INDEXED BY operations_unechoed
                            WHERE author = ? AND echoed = 0 AND seq <= ? AND changeset NOT IN (SELECT id FROM refused_changesets)
                            """,
                        arguments: [user, cursor])
                else { return false }
                try db.execute(sql: "UPDATE remotes SET push_cursor = ? WHERE name = ?", arguments: [first - 1, Self.remoteName])
                return true
            }
        }
    }

    /// Records that the server holds everything through local sequence number `seq`.
    public func markPushed(through seq: Int) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE remotes SET push_cursor = max(push_cursor, ?) WHERE name = ?", arguments: [seq, Self.remoteName])
            }
        }
    }

    /// Applies pages pulled from the server and moves the pull cursor, in one transaction:
    /// a sync interrupted at any point resumes from the last page applied.
    /// - Parameter operation: the content id of the operation at `cursor`, which the next
    ///   pull asks the server to confirm (`nil` leaves the recorded one).
    public func applyPulled(_ changesets: [Changeset], cursor: Int64, operation: OperationID?) throws(ReplicaError) -> ApplyReport {
        try ReplicaError.guarded {
            // Local writes go first (``WriterIntent``): when one is waiting, what is applied so
            // far is committed, and the rest goes in another transaction once it is done. The
            // cursor moves with the last one only; applying again what was committed is harmless.
            let intent = WriterIntent(replicaPath: path)
            var total = ApplyReport()
            var next = changesets.startIndex
            repeat {
                let rest = changesets[next...]
                let report = try database.write { db in
                    let report = try self.apply(rest, origin: .server, db, pause: { intent?.writerWaiting() ?? false })
                    if report.changesets == rest.count {
                        try db.execute(
                            sql: """
                                UPDATE remotes SET pull_cursor = ?, cursor_operation = coalesce(?, cursor_operation)
                                WHERE name = ? AND pull_cursor <= ?
                                """,
                            arguments: [cursor, operation?.rawValue, Self.remoteName, cursor])
                    }
                    return report
                }
                total.add(report)
                next += report.changesets
                if next < changesets.endIndex { intent?.waitForWriters() }
            } while next < changesets.endIndex
            return total
        }
    }

    /// Records the identity of the server store that the cursors belong to.
    public func recordStore(_ storeID: String) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                try db.execute(sql: "UPDATE remotes SET store_id = ? WHERE name = ?", arguments: [storeID, Self.remoteName])
            }
        }
    }

    /// Starts over with a server whose store is not the one the cursors came from (it was
    /// replaced, or restored from an older backup): everything is pulled again, and
    /// everything this user made, on any replica, pushed again, which is harmless since both
    /// are idempotent.
    public func startOver(withStore storeID: String?) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE remotes SET pull_cursor = 0, push_cursor = 0, cursor_operation = NULL, store_id = coalesce(?, store_id) WHERE name = ?",
                    arguments: [storeID, Self.remoteName])
                // Every changeset of this user is to be pushed again, whatever replica made it:
                // the server may have lost some whose own replica is gone. (Pulling them back
                // marks them echoed again.)
                let user = try Self.identity(db, path: path).user.rawValue
                try db.execute(sql: "UPDATE operations SET echoed = 0 WHERE author = ? AND echoed = 1", arguments: [user])
            }
        }
    }

    /// Records the end of a sync: a success (`error` nil) or why it failed.
    public func recordSync(error: String?) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                if let error {
                    try db.execute(sql: "UPDATE remotes SET last_error = ? WHERE name = ?", arguments: [error, Self.remoteName])
                } else {
                    try db.execute(
                        sql: "UPDATE remotes SET last_error = NULL, last_sync_at = ? WHERE name = ?",
                        arguments: [Int64(wallClock.milliseconds()), Self.remoteName])
                }
            }
        }
    }
}
