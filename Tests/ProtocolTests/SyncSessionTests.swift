import Foundation
import Replica
import SyncCore
import SyncServer
import TestSupport
import Testing

@testable import SyncServer

/// The sync session (push, paged pull, key directory, restarts) against the real server's
/// router, in process.
@Suite(.timeLimit(.minutes(10)))
struct SyncSessionTests {
    let folder = TemporaryFolder()

    func replica(_ user: String) throws -> LocalReplica {
        try LocalReplica.create(at: folder.path("\(user).sqlite"), user: try UserName(user))
    }

    static func article(in folder: TemporaryFolder) throws -> ArticleFile {
        let path = folder.path("003_e7379399b3230908.txt")
        try "Talks\n\nThe precondition is a reduction in violence.".write(toFile: path, atomically: true, encoding: .utf8)
        return try ArticleFile(path: path)
    }

    @Test func twoReplicasConvergeThroughTheRouterAndTheDirectoryNamesTheirKeys() async throws {
        // Given a curator and an annotator, each with a replica and a token
        let server = try InProcessServer()
        let alice = try replica("alice")
        let bob = try replica("bob")
        _ = try alice.importArticles(from: [try Self.article(in: folder)])
        _ = try alice.tag("003", with: ["precondition"])
        let aliceToken = try await server.addUser("alice")
        let bobToken = try await server.addUser("bob", role: .annotator)
        try alice.setRemote(url: "http://in-process", token: aliceToken)
        try bob.setRemote(url: "http://in-process", token: bobToken)
        try await server.test { client in
            // When both sync, bob twice (his work after alice's)
            let first = try await InProcessServer.blocking {
                try SyncSession(replica: alice, transport: RouterTransport(client: client, token: aliceToken)).run()
            }
            _ = try await InProcessServer.blocking {
                try SyncSession(replica: bob, transport: RouterTransport(client: client, token: bobToken)).run()
            }
            _ = try bob.tag("003", with: ["talks/doha"])
            for (replica, token) in [(bob, bobToken), (alice, aliceToken)] {
                _ = try await InProcessServer.blocking {
                    try SyncSession(replica: replica, transport: RouterTransport(client: client, token: token)).run()
                }
            }
            #expect(first.pushed == 2)
        }
        // Then both hold the same state, and each knows the other's key as the server bound it
        #expect(try alice.snapshot().canonicalJSON() == bob.snapshot().canonicalJSON())
        let bobsKey = try bob.publicKey()
        #expect(try alice.keys().contains { $0.key == bobsKey.rawValue && $0.user == "bob" && $0.source == "server" })
        #expect(try alice.keys().first { $0.user == "bob" }?.role == "annotator")
        #expect(try bob.pendingCount() == 0)
    }

    @Test func aServerWhoseCursorNeverAdvancesStopsTheSyncWithOneLine() async throws {
        let server = try InProcessServer()
        let alice = try replica("alice")
        let token = try await server.addUser("alice")
        try alice.setRemote(url: "http://in-process", token: token)
        try await server.test { client in
            let transport = RouterTransport(client: client, token: token)
            // A server that says "more" forever without sending anything
            transport.tamper = { path, answer in
                guard path.hasPrefix("/v1/pull") else { return answer }
                return Array(String(decoding: answer, as: UTF8.self).replacingOccurrences(of: #""more":false"#, with: #""more":true"#).utf8)
            }
            do {
                _ = try await InProcessServer.blocking { try SyncSession(replica: alice, transport: transport).run() }
                Issue.record("a sync with a cursor that never advances finished")
            } catch {
                #expect("\(error)".contains("does not advance"))
            }
        }
        #expect(try alice.remote()?.lastError?.contains("does not advance") == true)
    }

    @Test func aServerThatForgesAChangesetIsRefused() async throws {
        // Given alice's work on the server, and bob about to pull it
        let server = try InProcessServer()
        let alice = try replica("alice")
        let bob = try replica("bob")
        _ = try alice.importArticles(from: [try Self.article(in: folder)])
        let aliceToken = try await server.addUser("alice")
        let bobToken = try await server.addUser("bob")
        try alice.setRemote(url: "http://in-process", token: aliceToken)
        try bob.setRemote(url: "http://in-process", token: bobToken)
        try await server.test { client in
            _ = try await InProcessServer.blocking {
                try SyncSession(replica: alice, transport: RouterTransport(client: client, token: aliceToken)).run()
            }
            // When the server changes a text in what it sends (the signature no longer matches)
            let lying = RouterTransport(client: client, token: bobToken)
            lying.tamper = { path, answer in
                guard path.hasPrefix("/v1/pull") else { return answer }
                return Array(String(decoding: answer, as: UTF8.self).replacingOccurrences(of: "reduction", with: "escalation").utf8)
            }
            do {
                _ = try await InProcessServer.blocking { try SyncSession(replica: bob, transport: lying).run() }
                Issue.record("applied changes the server altered")
            } catch {
                #expect("\(error)".contains("do not verify"), "\(error)")
            }
        }
        // Then bob applied nothing
        #expect(try bob.snapshot().articles.isEmpty)
    }

    @Test func workPushedToAServerThatThenLosesItToABackupIsPushedAgain() async throws {
        // Given alice, synced with a server that is then backed up
        let server = try InProcessServer()
        let alice = try replica("alice")
        _ = try alice.importArticles(from: [try Self.article(in: folder)])
        let token = try await server.addUser("alice")
        try alice.setRemote(url: "http://in-process", token: token)
        try await server.test { client in
            _ = try await InProcessServer.blocking { try SyncSession(replica: alice, transport: RouterTransport(client: client, token: token)).run() }
        }
        let backup = folder.path("backup.sqlite")
        try await server.store.pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [backup]) }
        // When she tags, and her next sync pushes it but is cut off before it pulls
        _ = try alice.tag("003", with: ["after-the-backup"])
        try await server.test { client in
            let cutOff = RouterTransport(client: client, token: token)
            cutOff.failPulls = true
            _ = try? await InProcessServer.blocking { try SyncSession(replica: alice, transport: cutOff).run() }
        }
        #expect(try alice.pendingCount() == 0)
        // And the server is restored from the backup (the same store, without her tag)
        let restored = try InProcessServer(restoring: backup)
        // Then her next sync notices that the server lacks what she pushed, and sends it again
        let report = try await restored.test { client in
            try await InProcessServer.blocking { try SyncSession(replica: alice, transport: RouterTransport(client: client, token: token)).run() }
        }
        #expect(report.pushedAgain)
        let tags = try await restored.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM operations WHERE payload LIKE '%after-the-backup%'")
        }
        #expect(tags.count == 1)
        // And a sync after that has nothing to do
        let again = try await restored.test { client in
            try await InProcessServer.blocking { try SyncSession(replica: alice, transport: RouterTransport(client: client, token: token)).run() }
        }
        #expect(!again.pushedAgain && again.pushed == 0)
    }
}
