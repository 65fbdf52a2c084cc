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

    public func prepare() async throws {
        let format = try await guarded {
            try await pool.read { db in try Int.fetchOne(db, sql: "SELECT format FROM store_format") ?? 2 }
        }
        if format != WireFormat.version { throw SyncServerError.formatOneStore(location) }
    }

    public func push(_ changesets: [EncodedChangeset], by user: String) async throws -> SyncProtocol.PushOutcome {
        try await guarded { try await committer.commit(changesets, by: user) }
    }

    /// Runs a store call, reporting a database that cannot serve right now (locked past the
    /// busy timeout, disk full, I/O error) as ``StoreUnavailable``: the client gets a 503
    /// and retries, rather than a 500.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError
            where [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN].contains(error.resultCode)
        {
            throw StoreUnavailable(reason: error.message ?? "\(error.resultCode)")
        }
    }

    public func pull(after cursor: Int64, limit: Int, maxBytes: Int) async throws -> PullPage {
        try await guarded {
            try await pool.read { db in
                // Walk the log in sequence order from the cursor until the page is complete:
                // it reads only the rows it returns plus one changeset.
                let rows = try Row.fetchCursor(
                    db.cachedStatement(
                        sql: """
                            SELECT o.seq, o.changeset, c.key, c.signature, o.payload
                            FROM operations o JOIN changesets c ON c.id = o.changeset WHERE o.seq > ? ORDER BY o.seq
                            """),
                    arguments: [cursor])
                var builder = PullPageBuilder(after: cursor, limit: limit, maxBytes: maxBytes)
                while let row = try rows.next() {
                    let operation = StoredOperation(seq: row[0], changeset: row[1], key: row[2], signature: row[3], payload: row[4])
                    guard builder.offer(operation) else { break }
                }
                return builder.page()
            }
        }
    }

    public func operationID(at seq: Int64) async throws -> String? {
        try await guarded {
            try await pool.read { db in
                try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM operations WHERE seq = ?"), arguments: [seq])
            }
        }
    }

    public func claim(key: ReplicaKey, for user: String) async throws -> String {
        try await guarded {
            try await pool.write { db in
                try Self.bind([(key.rawValue, key.replica.rawValue)], to: user, db)
                return try String.fetchOne(db, sql: "SELECT user_name FROM replica_keys WHERE key = ?", arguments: [key.rawValue]) ?? user
            }
        }
    }

    public func keys() async throws -> [SyncProtocol.KeyBinding] {
        try await guarded {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT k.key, k.user_name, u.role FROM replica_keys k JOIN users u ON u.name = k.user_name ORDER BY k.user_name, k.key"
                ).map { row in
                    SyncProtocol.KeyBinding(key: try ReplicaKey(row[0] as String), user: try UserName(row[1] as String), role: row[2])
                }
            }
        }
    }

    public func identity() async throws -> String {
        try await guarded {
            try await pool.read { db in try String.fetchOne(db, sql: "SELECT id FROM store_identity") ?? "" }
        }
    }

    public func putUser(_ user: ServerUser, tokenHash: String) async throws {
        try await guarded {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO users (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash, revoked_at = NULL
                        """,
                    arguments: [user.name, user.role.rawValue, tokenHash, Self.now()])
            }
        }
    }

    public func user(tokenHash: String) async throws -> ServerUser? {
        try await guarded {
            try await pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT name, role FROM users WHERE token_hash = ? AND revoked_at IS NULL"),
                    arguments: [tokenHash]
                ).flatMap { row in Role(rawValue: row["role"]).map { ServerUser(name: row["name"], role: $0) } }
            }
        }
    }

    public func users() async throws -> [ServerUser] {
        try await guarded {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, role, revoked_at FROM users ORDER BY name").compactMap { row in
                    Role(rawValue: row["role"]).map { ServerUser(name: row["name"], role: $0, revoked: row["revoked_at"] != nil) }
                }
            }
        }
    }

    public func revokeUser(named name: String) async throws -> Bool {
        try await guarded {
            try await pool.write { db in
                try db.execute(sql: "UPDATE users SET revoked_at = ? WHERE name = ?", arguments: [Self.now(), name])
                return db.changesCount > 0
            }
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

extension SQLiteChangeStore {
    /// Stores a group of pushes in the caller's transaction; one outcome per push. Each push
    /// is admitted against everything committed and everything the pushes before it in the
    /// group stored (the transaction sees its own writes).
    static func insert(_ pushes: [GroupCommitter.Push], _ db: Database) throws -> [Result<SyncProtocol.PushOutcome, SyncServerError>] {
        let now = Self.now()
        let lookup = try db.cachedStatement(sql: "SELECT id, changeset FROM operations WHERE hlc = ?")
        let owner = try db.cachedStatement(sql: "SELECT user_name FROM replica_keys WHERE key = ?")
        // Look before inserting: a conflicting INSERT would still consume a sequence number,
        // and the log's sequence is meant to have no gaps.
        let insertChangeset = try db.cachedStatement(sql: "INSERT INTO changesets (id, key, signature, author) VALUES (?, ?, ?, ?)")
        let insertOperation = try db.cachedStatement(
            sql: "INSERT INTO operations (hlc, id, changeset, author, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)")
        var outcomes: [Result<SyncProtocol.PushOutcome, SyncServerError>] = []
        for push in pushes {
            var held: [String: PushAdmission.Held] = [:]
            var owners: [String: String] = [:]
            for changeset in push.changesets {
                if let name = try String.fetchOne(owner, arguments: [changeset.key]) { owners[changeset.key] = name }
                for operation in changeset.operations {
                    if let row = try Row.fetchOne(lookup, arguments: [operation.hlc]) {
                        held[operation.hlc] = PushAdmission.Held(id: row[0] ?? "", changeset: row[1])
                    }
                }
            }
            let admitted: (new: [EncodedChangeset], duplicates: Int)
            do {
                admitted = try PushAdmission.admit(push.changesets, by: push.user, held: held, owners: owners)
            } catch let error as SyncServerError {
                outcomes.append(.failure(error))
                continue
            }
            try bind(admitted.new.map { ($0.key, $0.replica) }, to: push.user, db)
            var accepted = 0
            for changeset in admitted.new {
                try insertChangeset.execute(arguments: [changeset.id, changeset.key, changeset.signature, changeset.author])
                for operation in changeset.operations {
                    try insertOperation.execute(arguments: [operation.hlc, operation.id, changeset.id, changeset.author, operation.payload, now])
                    accepted += 1
                }
            }
            outcomes.append(.success(SyncProtocol.PushOutcome(accepted: accepted, duplicates: admitted.duplicates, head: 0)))
        }
        let head = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM operations") ?? 0
        return outcomes.map { $0.map { SyncProtocol.PushOutcome(accepted: $0.accepted, duplicates: $0.duplicates, head: head) } }
    }

    /// Binds keys not yet bound to `user`.
    static func bind(_ keys: [(key: String, replica: String)], to user: String, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO replica_keys (key, replica, user_name, bound_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        for key in keys { try statement.execute(arguments: [key.key, key.replica, user, Self.now()]) }
    }
}
