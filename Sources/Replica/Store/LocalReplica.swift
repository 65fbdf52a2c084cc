import Foundation
import GRDB
import Synchronization
import SyncCore

/// An analyst's local replica: one SQLite file holding the articles, everyone's
/// annotations as CRDT operations, and the state merged from them.
///
/// Every read and write is local. Writes are serialized across processes by SQLite (WAL
/// mode, IMMEDIATE transactions, a busy timeout), so two `annot` commands running at once
/// on one replica both succeed. Every user action is one transaction: it stamps its
/// operations, applies them, and stores the clock, or does nothing at all.
public final class LocalReplica: Sendable {
    /// The path of the SQLite file.
    public let path: String
    /// The connection: replaced only when the replica starts from a snapshot.
    private let connection: Mutex<DatabaseQueue>
    var database: DatabaseQueue { connection.withLock { $0 } }
    let wallClock: any WallClock
    /// Held while the replica is open (``OpenLock``); nil where it cannot be made.
    let openLock: OpenLock?

    /// How long a write waits for another process's write to finish.
    static let busyTimeout: TimeInterval = 30

    private init(path: String, database: DatabaseQueue, wallClock: any WallClock, openLock: OpenLock?) {
        self.path = path
        self.connection = Mutex(database)
        self.wallClock = wallClock
        self.openLock = openLock
    }

    /// Replaces the connection (after the file was replaced).
    func replaceConnection(with database: DatabaseQueue) {
        connection.withLock { $0 = database }
    }

    // MARK: - Opening

    /// Creates a new replica file for `user`, with a fresh Ed25519 key pair (`signer`, for
    /// tests) whose public key is the replica's identity.
    /// - Throws: ``ReplicaError/alreadyExists(path:)`` when the file is already a replica.
    public static func create(
        at path: String, user: UserName, signer: ReplicaSigner? = nil, wallClock: any WallClock = SystemWallClock()
    ) throws(ReplicaError) -> LocalReplica {
        if FileManager.default.fileExists(atPath: path) {
            let existing = try open(at: path, wallClock: wallClock)
            if (try? existing.identity()) != nil { throw .alreadyExists(path: path) }
        }
        // The replica holds the user's token and private key: its folder (when made here) is
        // private to the user, and so is the file, whatever the umask.
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .unreadable(path: directory, reason: "cannot create the folder")
            }
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw .unreadable(path: path, reason: "cannot create the file")
            }
        }
        chmod(path, 0o600)
        let replica = try connect(path: path, wallClock: wallClock)
        let signer = signer ?? ReplicaSigner()
        try ReplicaError.guarded {
            try replica.database.write { db in
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM replica") == 0 else {
                    throw ReplicaError.alreadyExists(path: path)
                }
                try db.execute(
                    sql: """
                        INSERT INTO replica (singleton, replica_id, user_name, created_at, format, signing_key)
                        VALUES (1, ?, ?, ?, 2, ?)
                        """,
                    arguments: [signer.replica.rawValue, user.rawValue, wallClock.milliseconds(), signer.storedKey])
                try db.execute(
                    sql: "INSERT INTO keys (key, replica, user_name, source, added_at) VALUES (?, ?, ?, 'self', ?)",
                    arguments: [signer.key.rawValue, signer.replica.rawValue, user.rawValue, wallClock.milliseconds()])
            }
        }
        return replica
    }

    /// Opens an existing replica, upgrading its schema if this build has newer migrations.
    /// - Throws: ``ReplicaError/notFound(path:)`` when there is no file at `path`.
    public static func open(at path: String, wallClock: any WallClock = SystemWallClock()) throws(ReplicaError)
        -> LocalReplica
    {
        guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path: path) }
        return try connect(path: path, wallClock: wallClock)
    }

    private static func connect(path: String, wallClock: any WallClock) throws(ReplicaError) -> LocalReplica {
        let lock = try OpenLock(replicaPath: path)
        let database = try openDatabase(path: path)
        return LocalReplica(path: path, database: database, wallClock: wallClock, openLock: lock)
    }

    /// Opens the replica's database, upgrading its schema if this build has newer migrations.
    static func openDatabase(path: String) throws(ReplicaError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        // A replica the user may read but not write (a colleague's copy, a read-only mount):
        // the read commands work, and a write says the replica is read-only.
        let readOnly = FileManager.default.fileExists(atPath: path) && access(path, W_OK) != 0
        configuration.readonly = readOnly
        configuration.prepareDatabase { db in
            guard !readOnly else { return }
            // WAL mode is persistent in the file: this only writes on the replica's first
            // open. (GRDB's `journalMode = .wal` also writes a throw-away table whenever
            // the -wal file is missing, for the sake of DatabasePool readers; a replica
            // has one connection, and that commit was most of a short command's I/O.)
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else {
                throw DatabaseError(message: "could not turn on WAL mode (journal mode is \(mode ?? "unknown"))")
            }
            // NORMAL is durable across application crashes in WAL mode; FULL adds
            // durability across power loss at the cost of an fsync per commit.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Large batches touch many index pages: keep them in memory rather than
            // re-reading them through the OS (64 MiB of cache, 256 MiB memory-mapped).
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
        }
        let database: DatabaseQueue
        do {
            // Read-only, the write-ahead log's shared memory may be impossible to create (the
            // folder is not the user's either): the file is then read as it is on disk, as an
            // immutable snapshot (SQLite's `immutable` URI parameter), which also skips the
            // log a writer may be adding to at the same time.
            let location = readOnly ? Self.immutableURI(path) : path
            database = try DatabaseQueue(path: location, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notAReplica(path: path, reason: "not an SQLite database")
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        try migrate(database, path: path)
        let format = try ReplicaError.guarded {
            try database.read { db in try Int.fetchOne(db, sql: "SELECT format FROM replica") }
        }
        if format == 1 { throw .formatOne(path: path) }
        return database
    }

    /// A URI naming `path` read-only and immutable.
    static func immutableURI(_ path: String) -> String {
        var encoded = ""
        for character in path.unicodeScalars {
            switch character {
            case "%", "?", "#": encoded += String(format: "%%%02X", character.value)
            default: encoded.unicodeScalars.append(character)
            }
        }
        return "file:\(encoded)?mode=ro&immutable=1"
    }

    private static func migrate(_ database: DatabaseQueue, path: String) throws(ReplicaError) {
        let migrator = ReplicaMigrator.migrator()
        try ReplicaError.guarded {
            do {
                // Cheap check first: most opens find the schema up to date.
                let upToDate = try database.read { db in try migrator.hasCompletedMigrations(db) }
                if upToDate { return }
                if try database.read({ db in try migrator.hasBeenSuperseded(db) }) {
                    throw ReplicaError.newerSchema(path: path)
                }
                let tables = try database.read { db in
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                if !tables.isEmpty && !tables.contains("grdb_migrations") {
                    throw ReplicaError.notAReplica(path: path, reason: "it holds other tables")
                }
                try migrator.migrate(database)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
                throw ReplicaError.notAReplica(path: path, reason: "not an SQLite database")
            }
        }
    }

    /// Closes the connection now rather than when the replica is released. SQLite then
    /// copies the write-ahead log into the file and removes it, if no other process has the
    /// replica open. Closing twice does nothing.
    ///
    /// Any use of the replica after this throws ``ReplicaError/storage(_:)``.
    /// - Throws: ``ReplicaError/storage(_:)`` when SQLite refuses to close (a statement is
    ///   still running); everything committed is kept either way.
    public func close() throws(ReplicaError) {
        do {
            try database.close()
        } catch {
            throw .storage("the replica could not be closed cleanly (\(error)); everything written is kept")
        }
    }

    // MARK: - Identity

    /// Who this replica is: its id, its user and its clock.
    public func identity() throws(ReplicaError) -> ReplicaIdentity {
        try ReplicaError.guarded { try database.read { db in try Self.identity(db, path: path) } }
    }

    static func identity(_ db: Database, path: String) throws -> ReplicaIdentity {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT replica_id, user_name, clock, max_drift, format, signing_key FROM replica"))
        else {
            throw ReplicaError.notFound(path: path)
        }
        guard (row["format"] as Int) == WireFormat.version, let stored = row["signing_key"] as String? else {
            throw ReplicaError.formatOne(path: path)
        }
        let signer = try ReplicaSigner(storedKey: stored)
        let replica = try ReplicaID(row["replica_id"] as String)
        guard replica == signer.replica else { throw ReplicaError.notAReplica(path: path, reason: "its key does not match its id") }
        let clockText: String? = row["clock"]
        let latest = try clockText.map { (text: String) throws(SyncCoreError) in try Timestamp(parsing: text) }
        return ReplicaIdentity(
            replica: replica, user: try UserName(row["user_name"]),
            clock: HybridLogicalClock(replica: replica, latest: latest, maxDrift: UInt64(clamping: row["max_drift"] as Int64)),
            signer: signer)
    }

    // MARK: - Writing

    /// Runs one local user action: `body` adds operations to a changeset with the replica's
    /// clock; they are applied and the clock stored, all in one IMMEDIATE transaction.
    /// - Returns: the changeset made (`nil` when `body` added nothing) and `body`'s result.
    func perform<T>(
        _ body: (Database, inout ChangesetBuilder) throws -> T
    ) throws(ReplicaError) -> (Changeset?, T) {
        try ReplicaError.guarded {
            // A pull being applied lets this write go first (``WriterIntent``).
            try WriterIntent.announcing(replicaPath: path) {
                try database.write { db in
                    let identity = try Self.identity(db, path: path)
                    var builder = identity.changesetBuilder(now: wallClock.milliseconds())
                    let result = try body(db, &builder)
                    guard let changeset = try builder.build() else { return (nil, result) }
                    _ = try OperationApplier(db: db, now: wallClock.milliseconds()).apply(changeset, origin: .local)
                    try Self.store(clock: builder.clock, db)
                    return (changeset, result)
                }
            }
        }
    }

    static func store(clock: HybridLogicalClock, _ db: Database) throws {
        try db.execute(sql: "UPDATE replica SET clock = ?", arguments: [clock.latest?.description])
    }
}

/// Who a replica is.
public struct ReplicaIdentity: Sendable {
    /// The replica's id, the tie-break in its timestamps.
    public let replica: ReplicaID
    /// The analyst who owns the replica and authors its operations.
    public let user: UserName
    /// The replica's hybrid logical clock, as last stored.
    public let clock: HybridLogicalClock
    /// The replica's signing key.
    public let signer: ReplicaSigner

    /// The replica's public key.
    public var key: ReplicaKey { signer.key }

    /// A builder of one changeset made here, from the stored clock.
    func changesetBuilder(now: UInt64, clock: HybridLogicalClock? = nil) -> ChangesetBuilder {
        ChangesetBuilder(clock: clock ?? self.clock, author: user, signer: signer, now: now)
    }
}
