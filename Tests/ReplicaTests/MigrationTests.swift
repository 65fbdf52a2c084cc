import Foundation
import GRDB
import SyncCore
import Testing

@testable import Replica

/// Replicas made by earlier builds open with this one, and each migration keeps their data.
struct MigrationTests {
    let folder = TemporaryFolder()

    @Test func theLogWithoutAutoincrementKeepsItsSequenceNumbersAndCursors() throws {
        // Given a replica at the schema before 0004 (AUTOINCREMENT), whose log has gaps in
        // `seq` and whose push cursor points into it
        let current = try LocalReplica.create(at: folder.path("current.sqlite"), user: try UserName("alice"))
        _ = try current.importArticles(from: Corpus.files(in: folder))
        _ = try current.tag("a1", with: ["talks", "doha"])
        _ = try current.tag("a2", with: ["ceasefire"])
        try current.setRemote(url: "http://127.0.0.1:1", token: "t")
        let oldPath = folder.path("old.sqlite")
        try Self.makeOldReplica(at: oldPath, copying: current.path)

        // When this build opens it
        let migrated = try LocalReplica.open(at: oldPath)

        // Then the log has the same sequence numbers, cursors and operations, and no
        // AUTOINCREMENT bookkeeping is left
        try migrated.database.read { db in
            let seqs = try Int.fetchAll(db, sql: "SELECT seq FROM operations ORDER BY seq")
            let originals = try current.database.read { db in try Int.fetchAll(db, sql: "SELECT seq FROM operations ORDER BY seq") }
            #expect(seqs == originals.map { $0 * 10 })
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'operations'") ?? ""
            #expect(!table.uppercased().contains("AUTOINCREMENT"))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_sequence WHERE name = 'operations'") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'operations_pending_push'") == 1)
        }
        #expect(try migrated.remote()?.pushCursor == 20)
        #expect(try migrated.changes().document == current.changes().document)
        #expect(try migrated.snapshot().canonicalJSON() == current.snapshot().canonicalJSON())
        // Only what was past the push cursor is still to be pushed
        let pending = try #require(try migrated.pendingPush(limit: 1000))
        #expect(pending.operations == (try current.changes().operations) - 2)

        // And new operations continue the sequence
        _ = try migrated.tag("a1", with: ["new"])
        let last = try migrated.database.read { db in try Int.fetchOne(db, sql: "SELECT max(seq) FROM operations") }
        let previous = try current.database.read { db in try Int.fetchOne(db, sql: "SELECT max(seq) FROM operations") }
        #expect(last == (previous ?? 0) * 10 + 1)
    }

    /// Writes a replica file at the schema before migration 0004, holding a copy of the
    /// replica at `source` with every `seq` multiplied by 10 and the push cursor at 20.
    static func makeOldReplica(at path: String, copying source: String) throws {
        let database = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for migration in ReplicaMigrator.migrations where migration.id < "0004" {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sql) }
        }
        try migrator.migrate(database)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [source])
            try db.inTransaction {
                for table in [
                    "replica", "operations", "article_imports", "articles", "tag_additions", "notes", "note_versions",
                    "highlights", "remotes",
                ] {
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM source.\(table)")
                }
                try db.execute(sql: "INSERT INTO note_search (rowid, body) SELECT rowid, body FROM source.note_search")
                try db.execute(sql: "INSERT INTO article_search (article_search) VALUES ('rebuild')")
                try db.execute(sql: "UPDATE operations SET seq = seq * 10")
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM operations) WHERE name = 'operations'")
                try db.execute(sql: "UPDATE remotes SET push_cursor = 20")
                return .commit
            }
            try db.execute(sql: "DETACH DATABASE source")
        }
    }
}
