import Foundation
import GRDB
import SyncCore
import Testing

@testable import Replica

/// Replicas made by earlier builds: format-1 replicas (unsigned operations) are refused with
/// one line that says how to carry the work over, keep every row, and carry over whole.
@Suite(.timeLimit(.minutes(10)))
struct MigrationTests {
    let folder = TemporaryFolder()

    @Test func aFormatOneReplicaIsRefusedInOneLineAndKeepsItsData() throws {
        // Given a replica written by a format-1 build (schema before 0005)
        let old = folder.path("old.sqlite")
        try Self.makeFormatOneReplica(at: old)
        let before = try Self.rowCounts(old)

        // When this build opens it
        do {
            _ = try LocalReplica.open(at: old)
            Issue.record("opened a format-1 replica")
        } catch {
            // Then it is refused, in one line naming the command that carries the work over
            #expect(error.code == "format_1_replica")
            #expect(error.description.contains("annot upgrade"))
            #expect(!error.description.contains("\n"))
        }
        // And nothing it held was dropped
        #expect(try Self.rowCounts(old) == before)
    }

    @Test func upgradeCarriesTheUsersOwnWorkAsNewSignedOperations() throws {
        // Given a format-1 replica of alice's, with her work and some of bob's
        let old = folder.path("old.sqlite")
        try Self.makeFormatOneReplica(at: old)
        _ = try? LocalReplica.open(at: old)  // an attempt that migrated it to 0005, format 1

        // When she upgrades it
        let new = folder.path("new.sqlite")
        let report = try LocalReplica.upgrade(formatOne: old, to: new)

        // Then her article, her live tag, her note (current text, on her highlight) and her
        // highlight are made again as her signed operations; bob's tag is not re-signed
        #expect(report.user == "alice")
        #expect((report.articles, report.tags, report.notes, report.highlights) == (1, 1, 1, 1))
        #expect(report.othersOperations == 1)
        #expect(report.remote == "http://127.0.0.1:9")
        let replica = try LocalReplica.open(at: new)
        let detail = try replica.article("a1")
        #expect(detail.tags == ["talks"])
        #expect(detail.notes.map(\.body) == ["edited text"])
        #expect(detail.highlights.map(\.exact) == ["talks"])
        #expect(detail.notes.first?.highlight == detail.highlights.first?.id)
        // Everything it holds verifies as alice's new replica's work.
        let changesets = try WireFormat.decode(Data(replica.changes().document))
        #expect(changesets.allSatisfy { $0.author.rawValue == "alice" && $0.key == (try? replica.publicKey()) })
        #expect(try replica.remote()?.pullCursor == 0)
        // Upgrading a replica that needs none is refused, and creates nothing
        #expect(throws: ReplicaError.self) { _ = try LocalReplica.upgrade(formatOne: new, to: folder.path("again.sqlite")) }
        #expect(!FileManager.default.fileExists(atPath: folder.path("again.sqlite")))
    }

    static func rowCounts(_ path: String) throws -> [Int] {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        return try database.read { db in
            try ["operations", "articles", "tag_additions", "notes", "note_versions", "highlights", "remotes"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? 0
            }
        }
    }

    /// Writes a replica at the schema before migration 0005, as a format-1 build left it:
    /// alice imported a1, tagged it `talks` (and `old`, later removed), wrote a note on a
    /// highlight and edited it; bob tagged it too.
    static func makeFormatOneReplica(at path: String) throws {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        var migrator = DatabaseMigrator()
        for migration in ReplicaMigrator.migrations where migration.id < "0005" {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sql) }
        }
        try migrator.migrate(database)
        let text = "First article\n\nThe talks in Doha resumed."
        let start = text.unicodeScalars.count - " in Doha resumed.".unicodeScalars.count - 5
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO replica (singleton, replica_id, user_name, created_at) VALUES (1, 'aaaa', 'alice', 0)")
            for (seq, author, kind) in [(1, "alice", "article.import"), (2, "alice", "tag.add"), (3, "bob", "tag.add")] {
                try db.execute(
                    sql: """
                        INSERT INTO operations (seq, hlc, changeset, author, kind, payload, origin, received_at)
                        VALUES (?, ?, ?, ?, ?, '{}', 'local', 0)
                        """,
                    arguments: [seq, "0000000000\(seq)0-00000000-aaaa", "c\(seq)", author, kind])
            }
            try db.execute(
                sql: "INSERT INTO articles (id, hlc, author, title, text) VALUES ('a1', 'h1', 'alice', 'First article', ?)",
                arguments: [text])
            try db.execute(
                sql: """
                    INSERT INTO tag_additions (hlc, article, tag, author, live) VALUES
                        ('h2', 'a1', 'talks', 'alice', 1), ('h3', 'a1', 'old', 'alice', 0), ('h4', 'a1', 'bobs', 'bob', 1)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO highlights (id, article, author, created, exact, prefix, suffix, start, "end", deleted)
                    VALUES ('hl', 'a1', 'alice', 'h5', 'talks', 'First article\n\nThe ', ' in Doha resumed.', ?, ?, 0)
                    """,
                arguments: [start, start + 5])
            try db.execute(sql: "INSERT INTO notes (id, article, highlight, author, created) VALUES ('n1', 'a1', 'hl', 'alice', 'h6')")
            try db.execute(
                sql: """
                    INSERT INTO note_versions (hlc, note, author, body, superseded, arrived) VALUES
                        ('000000000060-00000000-aaaa', 'n1', 'alice', 'first text', 1, 1),
                        ('000000000070-00000000-aaaa', 'n1', 'alice', 'edited text', 0, 1)
                    """)
            try db.execute(sql: "INSERT INTO remotes (name, url, token, pull_cursor) VALUES ('origin', 'http://127.0.0.1:9', 't', 42)")
        }
    }
}
