import Foundation
import GRDB
import SyncCore

/// The embedded store: one SQLite file, `syncd.sqlite` in the data folder. The default,
/// needing no other server.
///
/// Durability: `synchronous = FULL` in WAL mode, so a commit is on disk when it returns.
/// Throughput: pushes that arrive while a commit is in progress wait and are then committed
/// together in one transaction (group commit), so one fsync serves many clients.
public final class SQLiteChangeStore: ChangeStore {
    /// The database file.
    public let path: String
    public var location: String { path }
    let pool: DatabasePool
    private let committer: GroupCommitter

    /// Opens (creating if needed) the store in `directory`, applying the schema from
    /// `migrations/server-sqlite/`.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("syncd.sqlite")
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        self.pool = pool
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.set("server-sqlite") {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sql) }
        }
        try migrator.migrate(pool)
        committer = GroupCommitter { pushes in try await pool.write { db in try Self.insert(pushes, db) } }
    }

    public func push(_ changesets: [EncodedChangeset]) async throws -> PushOutcome {
        try await guarded { try await committer.commit(changesets) }
    }

    /// Runs a store call, reporting a database that cannot serve right now (locked past the
    /// busy timeout, disk full, I/O error) as ``StoreUnavailable``: the client gets a 503
    /// and retries, rather than a 500.
    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError
            where [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN].contains(error.resultCode)
        {
            throw StoreUnavailable(reason: error.message ?? "\(error.resultCode)")
        }
    }

    public func pull(after cursor: Int64, limit: Int) async throws -> PullPage {
        try await guarded {
            try await pool.read { db in
                // Walk the log in sequence order from the cursor, and stop at the first
                // changeset boundary past `limit`: a page never splits a run of one
                // changeset, and reads only the rows it returns plus one.
                let rows = try Row.fetchCursor(
                    db.cachedStatement(sql: "SELECT seq, changeset, payload FROM operations WHERE seq > ? ORDER BY seq"),
                    arguments: [cursor])
                var operations: [StoredOperation] = []
                var more = false
                while let row = try rows.next() {
                    let operation = StoredOperation(seq: row[0], changeset: row[1], payload: row[2])
                    if operations.count >= limit, operation.changeset != operations.last?.changeset {
                        more = true
                        break
                    }
                    operations.append(operation)
                }
                return PullPage(operations: operations, cursor: operations.last?.seq ?? cursor, more: more)
            }
        }
    }

    public func identity() async throws -> String {
        try await guarded {
            try await pool.read { db in try String.fetchOne(db, sql: "SELECT id FROM store_identity") ?? "" }
        }
    }

    public func putUser(_ user: ServerUser, tokenHash: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash, revoked_at = NULL
                    """,
                arguments: [user.name, user.role.rawValue, tokenHash, Self.now()])
        }
    }

    public func user(tokenHash: String) async throws -> ServerUser? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT name, role FROM users WHERE token_hash = ? AND revoked_at IS NULL"),
                arguments: [tokenHash]
            ).flatMap { row in Role(rawValue: row["role"]).map { ServerUser(name: row["name"], role: $0) } }
        }
    }

    public func users() async throws -> [ServerUser] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, revoked_at FROM users ORDER BY name").compactMap { row in
                Role(rawValue: row["role"]).map { ServerUser(name: row["name"], role: $0, revoked: row["revoked_at"] != nil) }
            }
        }
    }

    public func revokeUser(named name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE users SET revoked_at = ? WHERE name = ?", arguments: [Self.now(), name])
            return db.changesCount > 0
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

extension SQLiteChangeStore {
    /// Stores a group of pushes in the caller's transaction; one outcome per push.
    static func insert(_ pushes: [[EncodedChangeset]], _ db: Database) throws -> [PushOutcome] {
        let now = Self.now()
        // Look before inserting: a conflicting INSERT would still consume a sequence number,
        // and the log's sequence is meant to have no gaps.
        let exists = try db.cachedStatement(sql: "SELECT 1 FROM operations WHERE hlc = ?")
        let statement = try db.cachedStatement(
            sql: "INSERT INTO operations (hlc, changeset, author, payload, received_at) VALUES (?, ?, ?, ?, ?)")
        var outcomes: [PushOutcome] = []
        for changesets in pushes {
            var outcome = PushOutcome(accepted: 0, duplicates: 0, head: 0)
            for changeset in changesets {
                for operation in changeset.operations {
                    if try Bool.fetchOne(exists, arguments: [operation.hlc]) == true {
                        outcome.duplicates += 1
                    } else {
                        try statement.execute(arguments: [operation.hlc, changeset.id, changeset.author, operation.payload, now])
                        outcome.accepted += 1
                    }
                }
            }
            outcomes.append(outcome)
        }
        let head = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM operations") ?? 0
        return outcomes.map { PushOutcome(accepted: $0.accepted, duplicates: $0.duplicates, head: head) }
    }
}
