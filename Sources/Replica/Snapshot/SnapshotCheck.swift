import Foundation
import GRDB
import SyncCore

/// The checks a replica makes on a snapshot file a server sent, before anything reads it as
/// a replica (docs/protocol.md §16). A database file from the network is hostile: these
/// follow SQLite's advice for untrusted database files (no trusted schema, checked cell
/// sizes, no memory mapping, `PRAGMA quick_check`), and add what this project's code needs
/// to read it without crashing: exactly the schema this build makes, every column of the
/// declared type, no local data, and a position in the log that agrees with the manifest.
///
/// What they cannot check is that the state derived in the file is the merge of its
/// operations: for that part the replica takes the server's word, and says so
/// (`annot status`); docs/protocol.md §16 has the trust model.
enum SnapshotCheck {
    /// Opens a downloaded snapshot with SQLite's defenses for untrusted files.
    /// - Parameter readOnly: whether the connection may not write (nor create the file).
    static func open(_ path: String, readOnly: Bool = false) throws(ReplicaError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA trusted_schema = OFF")
            try db.execute(sql: "PRAGMA cell_size_check = ON")
            try db.execute(sql: "PRAGMA mmap_size = 0")
        }
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .snapshotRefused("it cannot be opened as a database (\(String(describing: error).prefix(200)))")
        }
    }

    /// Checks the file at `path` against its manifest.
    /// - Parameters:
    ///   - latest: the latest timestamp the replica may accept now (its drift bound).
    /// - Throws: ``ReplicaError/snapshotRefused(_:)`` with the first problem found.
    static func verify(_ path: String, manifest: SyncProtocol.SnapshotManifest, latest: Timestamp) throws(ReplicaError) {
        let known = ReplicaMigrator.migrations.map(\.id)
        guard manifest.format == SyncProtocol.SnapshotManifest.replicaFormat else {
            throw .snapshotRefused("its format is '\(manifest.format.prefix(40))', not \(SyncProtocol.SnapshotManifest.replicaFormat)")
        }
        guard let last = manifest.schema.last, manifest.schema.count <= known.count, Array(known.prefix(manifest.schema.count)) == manifest.schema
        else {
            throw .snapshotRefused("its schema (\(manifest.schema.last?.prefix(40) ?? "none")) is not one this annot knows: upgrade annot")
        }
        let expected = try expectedSchema(upTo: last)
        let database = try open(path, readOnly: true)
        defer { try? database.close() }
        do {
            try database.read { db in
                guard try String.fetchOne(db, sql: "PRAGMA encoding") == "UTF-8" else { throw refusal("it is not a UTF-8 database") }
                let schema = try schemaRows(db)
                guard schema == expected.rows else {
                    let extra = schema.subtracting(expected.rows).first.map { "\($0.type) \($0.name)" }
                    let missing = expected.rows.subtracting(schema).first.map { "\($0.type) \($0.name)" }
                    throw refusal("its schema is not a replica's: " + (extra.map { "it has \($0)" } ?? "it lacks \(missing ?? "?")"))
                }
                let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
                guard migrations == manifest.schema else { throw refusal("its recorded migrations are not those of its manifest") }
                // What reads the whole file is shared out between this connection and one on a
                // thread of its own: SQLite's structural check (pages, cells, indexes), and one
                // scan of each table that checks every value's storage class (and, for the
                // log, what the manifest says). The largest first, so the two end together.
                var passes: [Pass] = [.table("operations", expected.columns.first { $0.0 == "operations" }?.1 ?? []), .structure]
                passes += expected.columns.filter { $0.0 != "operations" }.map { Pass.table($0.0, $0.1) }
                let queue = PassQueue(passes)
                let helper = Concurrent { () -> String? in
                    do {
                        let other = try open(path, readOnly: true)
                        defer { try? other.close() }
                        return try other.read { try queue.run(on: $0, operations: manifest.operations) }
                    } catch {
                        return "it is damaged (\(String(describing: error).prefix(80)))"
                    }
                }
                let found: String?
                do {
                    found = try queue.run(on: db, operations: manifest.operations)
                } catch {
                    _ = helper.value  // the other connection is closed before the file is let go
                    throw error
                }
                let other = helper.value  // waited for even after a problem: the file is let go after
                if let problem = found ?? other { throw refusal(problem) }
                for table in ["replica", "keys", "held_changesets", "refused_changesets"] {
                    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table))") == false else {
                        throw refusal("it holds local data (\(table))")
                    }
                }
                let remotes = try Row.fetchAll(db, sql: "SELECT name, pull_cursor, cursor_operation, store_id FROM remotes")
                guard remotes.count == 1, let remote = remotes.first, remote["name"] as String == LocalReplica.remoteName,
                    remote["pull_cursor"] as Int64 == manifest.cursor, remote["cursor_operation"] as String? == manifest.operation,
                    remote["store_id"] as String? == manifest.store
                else { throw refusal("its position in the log is not the one its manifest gives") }
                if let newest = try String.fetchOne(db, sql: "SELECT max(hlc) FROM operations") {
                    guard let stamp = try? Timestamp(parsing: newest), stamp <= latest else {
                        throw refusal("it holds an operation stamped \(newest.prefix(40)), beyond this replica's clock bound")
                    }
                }
            }
        } catch let error as ReplicaError {
            throw error
        } catch {
            throw .snapshotRefused("it cannot be read as a replica (\(String(describing: error).prefix(200)))")
        }
    }

    private static func refusal(_ reason: String) -> ReplicaError { .snapshotRefused(reason) }

    /// One object of a database's schema.
    struct SchemaRow: Hashable {
        let type: String
        let name: String
        let table: String
        let sql: String?
    }

    /// A column of a table, with the one storage class its declared type allows.
    struct Column: Sendable {
        let name: String
        let type: String
        let nullable: Bool
    }

    /// The schema's objects, but `sqlite_sequence`, which SQLite keeps for itself (an old
    /// migration made it; `VACUUM INTO` drops it, empty).
    static func schemaRows(_ db: Database) throws -> Set<SchemaRow> {
        Set(
            try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> 'sqlite_sequence'").map {
                SchemaRow(type: $0[0], name: $0[1], table: $0[2], sql: $0[3])
            })
    }

    /// The schema a replica has after the migrations up to `last`, made in memory, and the
    /// columns of its ordinary tables (the full-text indexes' own tables are left to FTS5).
    static func expectedSchema(upTo last: String) throws(ReplicaError) -> (rows: Set<SchemaRow>, columns: [(String, [Column])]) {
        try ReplicaError.guarded {
            let database = try DatabaseQueue()
            try ReplicaMigrator.migrator().migrate(database, upTo: last)
            return try database.read { db in
                let rows = try schemaRows(db)
                var columns: [(String, [Column])] = []
                let shadows = Set(rows.filter { $0.sql?.hasPrefix("CREATE VIRTUAL TABLE") ?? false }.map(\.name))
                for row in rows.sorted(by: { $0.name < $1.name }) where row.type == "table" && !row.name.hasPrefix("sqlite_") {
                    guard !(row.sql?.hasPrefix("CREATE VIRTUAL TABLE") ?? false),
                        !shadows.contains(where: { row.name.hasPrefix($0 + "_") })
                    else { continue }
                    let info = try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(row.name)\")").map { info in
                        let declared = (info["type"] as String).uppercased()
                        return Column(
                            name: info["name"], type: declared.contains("INT") ? "integer" : "text",
                            nullable: (info["notnull"] as Int) == 0 && (info["pk"] as Int) == 0)
                    }
                    columns.append((row.name, info))
                }
                return (rows, columns)
            }
        }
    }
}

extension SnapshotCheck {
    /// One check that reads a whole part of a snapshot file.
    enum Pass: Sendable {
        /// `PRAGMA quick_check`.
        case structure
        /// A scan of a table, checking each column's storage class.
        case table(String, [SnapshotCheck.Column])

        /// Runs the check. - Returns: what is wrong, or `nil`.
        func run(on db: Database, operations expected: Int64) throws -> String? {
            switch self {
            case .structure:
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check(1)")
                return check == ["ok"] ? nil : "it is damaged (\(check.first?.prefix(80) ?? "?"))"
            case .table(let table, let columns):
                var conditions: [String] = columns.map { column -> String in
                    let types: String = ([column.type] + (column.nullable ? ["null"] : [])).map { "'\($0)'" }.joined(separator: ", ")
                    return "typeof(\"\(column.name)\") NOT IN (\(types))"
                }
                if table == "operations" { conditions += ["origin <> 'server'", "echoed <> 1"] }
                let query: String = "SELECT count(*), coalesce(max(\(conditions.joined(separator: " OR "))), 0) FROM \"\(table)\""
                guard let row = try Row.fetchOne(db, sql: query) else { return nil }
                guard (row[1] as Int64) == 0 else {
                    return table == "operations"
                        ? "its operations hold values of the wrong type, or operations that are not the server's"
                        : "its table \(table) holds values of the wrong type"
                }
                if table == "operations", (row[0] as Int64) != expected {
                    return "it does not hold the number of operations its manifest gives"
                }
                return nil
            }
        }
    }

    /// Passes shared out between connections: each takes the next until none is left, or one
    /// found a problem.
    final class PassQueue: @unchecked Sendable {
        private let lock = NSLock()
        private var passes: [Pass]
        private var stopped = false

        init(_ passes: [Pass]) { self.passes = passes.reversed() }

        private func next() -> Pass? {
            lock.withLock { stopped ? nil : passes.popLast() }
        }

        /// Leaves the passes not yet taken undone.
        func stop() { lock.withLock { stopped = true } }

        /// Runs passes until none is left. - Returns: the first problem this connection found.
        func run(on db: Database, operations: Int64) throws -> String? {
            while let pass = next() {
                let problem: String?
                do {
                    problem = try pass.run(on: db, operations: operations)
                } catch {
                    stop()
                    throw error
                }
                if let problem {
                    stop()
                    return problem
                }
            }
            return nil
        }
    }
}

/// Work on a thread of its own, whose result is waited for (``value``).
final class Concurrent<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: T?

    init(_ work: @escaping @Sendable () -> T) {
        Thread.detachNewThread { [self] in
            result = work()
            done.signal()
        }
    }

    /// Waits for the work to end.
    var value: T {
        done.wait()
        done.signal()
        return result!
    }
}
