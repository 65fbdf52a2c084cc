import Foundation
import GRDB
import SyncCore

/// The server's own replica of its log, from which it publishes snapshots: a replica
/// database with no user and no key, in which the server applies every operation of its
/// log with the same code as every replica (`OperationApplier`), so that a snapshot of it
/// is exactly what a replica that pulled the whole log would hold (docs/protocol.md §16).
///
/// Its position in the log is its `origin` remote's pull cursor, the content id of the
/// operation there and the store's identity, as in any replica: a replica that starts from
/// a snapshot keeps them and follows the log from there. The mirror trusts its log (the
/// server verified each changeset when it took it), so it applies everything, with no key
/// directory and no drift bound.
public final class ReplicaMirror: Sendable {
    /// The mirror's database file.
    public let path: String
    let database: DatabaseQueue

    /// Where a mirror stands in its log.
    public struct Position: Sendable, Hashable {
        public let cursor: Int64
        public let operation: String?
        public let store: String?
    }

    /// Opens (creating if needed) the mirror at `path`, with the replica schema of this build.
    public init(path: String) throws(ReplicaError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unreadable(path: folder, reason: "cannot create the folder")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        try ReplicaError.guarded {
            try ReplicaMigrator.migrator().migrate(database)
            try database.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO remotes (name, url, token) VALUES (?, '', '')", arguments: [LocalReplica.remoteName])
            }
        }
    }

    /// Where the mirror stands.
    public func position() throws(ReplicaError) -> Position {
        try ReplicaError.guarded { try database.read(Self.position) }
    }

    private static func position(_ db: Database) throws -> Position {
        let row = try Row.fetchOne(
            db, sql: "SELECT pull_cursor, cursor_operation, store_id FROM remotes WHERE name = ?", arguments: [LocalReplica.remoteName])
        return Position(cursor: row?["pull_cursor"] ?? 0, operation: row?["cursor_operation"], store: row?["store_id"])
    }

    /// Applies changesets of the log, in log order, and moves the mirror to `cursor`, all in
    /// one transaction. Changesets held already count as duplicates.
    public func apply(_ changesets: [Changeset], through cursor: Int64, operation: String?, store: String) throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                let applier = OperationApplier(db: db, now: UInt64(Date().timeIntervalSince1970 * 1000))
                for changeset in changesets { _ = try applier.apply(changeset, origin: .server) }
                try db.execute(
                    sql: """
                        UPDATE remotes SET pull_cursor = ?, cursor_operation = coalesce(?, cursor_operation), store_id = ?
                        WHERE name = ?
                        """, arguments: [cursor, operation, store, LocalReplica.remoteName])
            }
        }
    }

    /// Writes a snapshot of the mirror as it is now into `folder`: a compact copy of the
    /// database (`VACUUM INTO`), named after its SHA-256. Call it between the mirror's writes.
    /// - Returns: its manifest and path; `nil` when the mirror holds nothing yet.
    public func publish(into folder: String, now: Int64) throws(ReplicaError) -> (manifest: SyncProtocol.SnapshotManifest, path: String)? {
        let temporary = (folder as NSString).appendingPathComponent(".snapshot-\(UUID().uuidString).tmp")
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        // Outside a transaction (VACUUM cannot run in one): the mirror is written by its
        // owner only, who publishes between its writes, so what is read here and copied is one state.
        let (position, operations, schema) = try ReplicaError.guarded {
            try database.inDatabase { db in
                let position = try Self.position(db)
                let operations = try Int64.fetchOne(db, sql: "SELECT count(*) FROM operations") ?? 0
                let schema = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
                try db.execute(sql: "VACUUM INTO ?", arguments: [temporary])
                return (position, operations, schema)
            }
        }
        guard position.cursor > 0, let operation = position.operation, let store = position.store else { return nil }
        let (sha256, bytes) = try Self.digest(of: temporary)
        let destination = (folder as NSString).appendingPathComponent("\(sha256).sqlite")
        do {
            if FileManager.default.fileExists(atPath: destination) { try FileManager.default.removeItem(atPath: destination) }
            try FileManager.default.moveItem(atPath: temporary, toPath: destination)
        } catch {
            throw .storage("cannot write the snapshot \(destination): \(error)")
        }
        let manifest = SyncProtocol.SnapshotManifest(
            schema: schema, cursor: position.cursor, operation: operation, store: store, operations: operations, sha256: sha256,
            bytes: bytes, created: now)
        return (manifest, destination)
    }

    /// Starts the mirror over, empty (the store it followed was replaced).
    public func reset() throws(ReplicaError) {
        try ReplicaError.guarded {
            try database.write { db in
                let tables = try String.fetchAll(
                    db,
                    sql: """
                        SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                            AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name NOT LIKE '%search_%'
                        """)
                for table in tables { try db.execute(sql: "DELETE FROM \"\(table)\"") }
                try db.execute(sql: "INSERT INTO article_search (article_search) VALUES ('delete-all')")
                try db.execute(sql: "DELETE FROM note_search")
                try db.execute(sql: "INSERT INTO remotes (name, url, token) VALUES (?, '', '')", arguments: [LocalReplica.remoteName])
            }
        }
    }

    /// The SHA-256 (lowercase hex) and size of a file, read in pieces of 1 MiB.
    public static func digest(of path: String) throws(ReplicaError) -> (sha256: String, bytes: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        var hasher = Digest.Hasher()
        var bytes: Int64 = 0
        do {
            while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                data.withUnsafeBytes { hasher.update($0) }
                bytes += Int64(data.count)
            }
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        return (hasher.finalize(), bytes)
    }
}
