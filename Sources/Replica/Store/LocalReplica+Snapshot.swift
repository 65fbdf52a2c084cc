import Foundation
import GRDB
#if canImport(Glibc)
    import Glibc
#endif
import SyncCore

/// Where a replica's state up to some point came from, when it started from a snapshot
/// (`replica.snapshot`, docs/protocol.md §16).
public struct SnapshotOrigin: Sendable, Hashable, Codable {
    /// The server it came from.
    public let server: String
    /// The snapshot's manifest.
    public let manifest: SyncProtocol.SnapshotManifest
    /// When the replica started from it, in milliseconds since 1970.
    public let installed: Int64
}

extension LocalReplica {
    /// What came of an offer to start from a snapshot.
    public enum SnapshotInstall: Sendable, Hashable {
        /// The replica now holds the snapshot's state and follows the log from its cursor;
        /// checking the file and putting it in place took these many seconds.
        case installed(checked: Double, placed: Double)
        /// The replica is as it was (and pulls the log), for this reason.
        case skipped(String)
    }

    /// Starts the replica from a snapshot the server sent (the file at `file`, downloaded
    /// whole, its SHA-256 checked), unless that would lose anything.
    ///
    /// The file is checked first (``SnapshotCheck``): a file that fails is refused with
    /// ``ReplicaError/snapshotRefused(_:)`` and removed. Then, only while no other process
    /// has the replica open (``OpenLock``), and only when every operation the replica holds
    /// is in the snapshot, the replica's own rows are carried into the file (its identity
    /// and key, the key directory, the server's URL and token, changesets held back), with
    /// the snapshot's position in the log as the pull cursor, and the file takes the
    /// replica's place in one rename. The replica records where its state came from
    /// (``snapshotOrigin()``).
    /// - Returns: ``SnapshotInstall/skipped(_:)`` when another process has the replica open
    ///   or it holds operations the snapshot lacks (the file is removed).
    public func install(
        snapshot file: String, manifest: SyncProtocol.SnapshotManifest, server: String
    ) throws(ReplicaError) -> SnapshotInstall {
        defer { try? FileManager.default.removeItem(atPath: file) }
        chmod(file, 0o600)
        let start = ContinuousClock.now
        let identity = try identity()
        let bound = wallClock.milliseconds() &+ identity.clock.maxDrift &+ HybridLogicalClock.skewAllowance
        try SnapshotCheck.verify(file, manifest: manifest, latest: Timestamp(milliseconds: bound, counter: .max, replica: identity.replica))
        // The file, at this build's schema (a server with older migrations made it).
        try Self.upgrade(file)
        let checked = ContinuousClock.now
        guard let openLock else { return .skipped("the replica's folder is read-only") }
        let origin = SnapshotOrigin(server: server, manifest: manifest, installed: Int64(wallClock.milliseconds()))
        let outcome: Result<SnapshotInstall, ReplicaError>? = openLock.alone {
            do throws(ReplicaError) {
                if let reason = try carry(into: file, origin: origin) { return .success(.skipped(reason)) }
                try swap(in: file)
                return .success(.installed(checked: (checked - start).inSeconds, placed: (ContinuousClock.now - checked).inSeconds))
            } catch {
                return .failure(error)
            }
        }
        guard let outcome else { return .skipped("another annot process has the replica open") }
        return try outcome.get()
    }

    /// Opens `file` once with the migrator, so that it has every migration of this build.
    private static func upgrade(_ file: String) throws(ReplicaError) {
        try ReplicaError.guarded {
            let database = try SnapshotCheck.open(file)
            defer { try? database.close() }
            try ReplicaMigrator.migrator().migrate(database)
        }
    }

    /// Copies the replica's own rows into the snapshot file, unless the replica holds an
    /// operation the snapshot lacks. - Returns: why not, or `nil` when done.
    private func carry(into file: String, origin: SnapshotOrigin) throws(ReplicaError) -> String? {
        try ReplicaError.guarded {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS snapshot", arguments: [file])
                defer { try? db.execute(sql: "DETACH DATABASE snapshot") }
                return try self.carryRows(db, origin: origin)
            }
        }
    }

    private func carryRows(_ db: Database, origin: SnapshotOrigin) throws -> String? {
        var reason: String?
        try db.inTransaction {
            let missing = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM main.operations o
                    WHERE NOT EXISTS (SELECT 1 FROM snapshot.operations s WHERE s.hlc = o.hlc)
                    """) ?? 0
            guard missing == 0 else {
                reason = "this replica holds \(missing) operation(s) the snapshot lacks"
                return .rollback
            }
            let newest = try String.fetchOne(db, sql: "SELECT max(hlc) FROM snapshot.operations")
            let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('replica')").map { "\"\($0)\"" }
                .joined(separator: ", ")
            try db.execute(sql: "INSERT INTO snapshot.replica (\(columns)) SELECT \(columns) FROM main.replica")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // The clock has seen every operation of the snapshot (checked within its bound).
            try db.execute(
                sql: "UPDATE snapshot.replica SET snapshot = ?, clock = CASE WHEN clock IS NULL OR clock < ? THEN ? ELSE clock END",
                arguments: [String(decoding: try encoder.encode(origin), as: UTF8.self), newest, newest])
            for table in ["keys", "held_changesets"] {
                try db.execute(sql: "INSERT OR IGNORE INTO snapshot.\(table) SELECT * FROM main.\(table)")
            }
            try db.execute(
                sql: """
                    UPDATE snapshot.remotes SET (url, token, push_cursor, last_sync_at, last_error) =
                        (SELECT url, token, 0, last_sync_at, last_error FROM main.remotes WHERE name = ?1)
                    WHERE name = ?1
                    """, arguments: [Self.remoteName])
            return .commit
        }
        return reason
    }

    /// Puts the file in the replica's place: closes the connection (SQLite copies its log
    /// into the old file and removes it), renames the file over the replica, and opens it.
    /// Called alone (``OpenLock``), so no other connection can see the swap.
    private func swap(in file: String) throws(ReplicaError) {
        try close()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        guard rename(file, path) == 0 else {
            let reason = String(cString: strerror(errno))
            replaceConnection(with: try Self.openDatabase(path: path))
            throw .storage("cannot put the snapshot in place of \(path): \(reason)")
        }
        Self.syncFolder(of: path)
        replaceConnection(with: try Self.openDatabase(path: path))
    }

    /// Makes a rename in the replica's folder durable.
    static func syncFolder(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let descriptor = Glibc.open(folder.isEmpty ? "." : folder, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Glibc.close(descriptor)
    }

    /// Where the replica's state came from, when it started from a snapshot.
    public func snapshotOrigin() throws(ReplicaError) -> SnapshotOrigin? {
        try ReplicaError.guarded {
            try database.read { db in
                guard let text = try String.fetchOne(db, sql: "SELECT snapshot FROM replica") else { return nil }
                return try? JSONDecoder().decode(SnapshotOrigin.self, from: Data(text.utf8))
            }
        }
    }

    /// How many operations the replica holds.
    public func operationCount() throws(ReplicaError) -> Int {
        try ReplicaError.guarded { try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM operations") ?? 0 } }
    }
}
