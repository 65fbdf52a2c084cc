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
}

/// A batch of this user's operations to push, as a changes document.
public struct PushBatch: Sendable {
    public let document: [UInt8]
    public let operations: Int
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
                        lastSyncAt: row["last_sync_at"], lastError: row["last_error"], storeID: row["store_id"])
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
                // contiguous: a file may bring the rest of a changeset long after its start,
                // so "the rest of the last changeset" must never reach past other operations.)
                let pending = try Row.fetchCursor(
                    db.cachedStatement(
                        sql: """
                            SELECT seq, changeset, payload FROM operations INDEXED BY operations_pending_push
                            WHERE seq > ? AND author = ? AND origin <> 'server' ORDER BY seq
                            """),
                    arguments: [cursor, user])
                var rows: [Row] = []
                while let row = try pending.next() {
                    if rows.count >= limit, (row["changeset"] as String) != rows.last?["changeset"] { break }
                    rows.append(row.copy())
                }
                guard !rows.isEmpty else {
                    // Nothing of ours: skip past whatever else arrived, so the next look starts later.
                    let head = try Int.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM operations") ?? 0
                    return head > cursor ? PushBatch(document: [], operations: 0, lastSeq: head) : nil
                }
                let groups = WireFormat.changesetRuns(rows.lazy.map { (changeset: $0["changeset"] as String, payload: $0["payload"] as String) })
                return PushBatch(
                    document: WireFormat.document(rawChangesets: groups), operations: rows.count, lastSeq: rows.last!["seq"])
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
                    db, sql: "SELECT count(*) FROM operations INDEXED BY operations_pending_push WHERE seq > ? AND author = ? AND origin <> 'server'",
                    arguments: [cursor, user]) ?? 0
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

    /// Applies a page pulled from the server and moves the pull cursor, in one transaction:
    /// a sync interrupted at any point resumes from the last page applied.
    public func applyPulled(_ changesets: [Changeset], cursor: Int64) throws(ReplicaError) -> ApplyReport {
        try ReplicaError.guarded {
            try database.write { db in
                let report = try self.apply(changesets, origin: .server, db)
                try db.execute(
                    sql: "UPDATE remotes SET pull_cursor = max(pull_cursor, ?) WHERE name = ?", arguments: [cursor, Self.remoteName])
                return report
            }
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
    /// replaced, or restored from an older backup): everything is pushed and pulled again,
    /// which is harmless since both are idempotent.
    public func startOver(withStore storeID: String) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE remotes SET pull_cursor = 0, push_cursor = 0, store_id = ? WHERE name = ?",
                    arguments: [storeID, Self.remoteName])
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
