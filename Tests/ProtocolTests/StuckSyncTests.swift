import Foundation
import Replica
import SyncCore
import SyncServer
import TestSupport
import Testing
import HummingbirdTesting

/// Sync never gets stuck: a lying or broken server stops the sync at once with one line,
/// replies too large are asked for again in smaller pages, and what the server took
/// within its drift bound is never refused by a replica whose clock is a minute behind.
@Suite(.timeLimit(.minutes(10)))
struct StuckSyncTests {
    let folder = TemporaryFolder(prefix: "stuck-sync")

    /// Alice's replica with an article and `tags` tags, synced to `server`; and bob's,
    /// with a token, not synced yet.
    func aliceAndBob(
        _ server: InProcessServer, tags: Int = 3, aliceClock: any WallClock = SystemWallClock(),
        bobClock: any WallClock = SystemWallClock()
    ) async throws -> (alice: LocalReplica, bob: LocalReplica, aliceToken: String, bobToken: String) {
        let alice = try LocalReplica.create(at: folder.path("alice.sqlite"), user: try UserName("alice"), wallClock: aliceClock)
        let bob = try LocalReplica.create(at: folder.path("bob.sqlite"), user: try UserName("bob"), wallClock: bobClock)
        _ = try alice.importArticles(from: [try SyncSessionTests.article(in: folder)])
        for index in 0..<tags { _ = try alice.tag("003", with: ["tag\(index)"]) }
        let aliceToken = try await server.addUser("alice")
        let bobToken = try await server.addUser("bob", role: .annotator)
        try alice.setRemote(url: "http://in-process", token: aliceToken)
        try bob.setRemote(url: "http://in-process", token: bobToken)
        return (alice, bob, aliceToken, bobToken)
    }

    /// Syncs alice's replica (within `server.test`: a server's router is served once).
    static func push(_ alice: LocalReplica, token: String, client: any TestClientProtocol) async throws {
        _ = try await InProcessServer.blocking {
            try SyncSession(replica: alice, transport: RouterTransport(client: client, token: token)).run()
        }
    }

    /// Counts the pulls a tampering transport saw, and ends a sync that would never end
    /// (on the code before this change) with an error the test can tell apart.
    final class PullCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var first: [UInt8]?

        /// The number of this pull, from 1.
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            count += 1
            return count
        }

        static let gaveUp = Array("test: the sync went on pulling".utf8)
    }

    /// Alice's work on a server; then bob syncs through it while `lie` rewrites every pull
    /// answer (given the pull's number, from 1, and the first true answer), without the
    /// server's own check of `at` when `withoutAt` (it would refuse invented cursors).
    /// - Returns: what the sync stopped with, how many pulls it made, and bob's replica.
    func syncThroughALyingServer(
        withoutAt: Bool = false, _ lie: @escaping @Sendable (_ number: Int, _ first: [UInt8]) -> [UInt8]
    ) async throws -> (error: String, pulls: Int, bob: LocalReplica) {
        let server = try InProcessServer()
        let (alice, bob, aliceToken, bobToken) = try await aliceAndBob(server)
        let pulls = PullCounter()
        let error = try await server.test { client in
            try await Self.push(alice, token: aliceToken, client: client)
            let lying = RouterTransport(client: client, token: bobToken)
            if withoutAt {
                lying.rewritePath = { $0.replacingOccurrences(of: #"&at=[0-9a-f]+"#, with: "", options: .regularExpression) }
            }
            lying.tamper = { path, answer in
                guard path.hasPrefix("/v1/pull") else { return answer }
                let number = pulls.next()
                guard number < 40 else { return PullCounter.gaveUp }
                if pulls.first == nil { pulls.first = answer }
                return lie(number, pulls.first!)
            }
            let error = await #expect(throws: ReplicaError.self) {
                _ = try await InProcessServer.blocking { try SyncSession(replica: bob, transport: lying).run() }
            }
            return error.map { "\($0)" } ?? ""
        }
        return (error, pulls.next() - 1, bob)
    }

    static func saysMore(_ answer: [UInt8]) -> String {
        String(decoding: answer, as: UTF8.self).replacingOccurrences(of: #""more":false"#, with: #""more":true"#)
    }

    @Test func aServerThatSendsTheSamePageForeverStopsTheSync() async throws {
        // When the server answers every pull with its first page and "more", the cursor
        // unchanged: operations, but no progress
        let (error, pulls, _) = try await syncThroughALyingServer { _, first in Array(Self.saysMore(first).utf8) }
        // Then the sync stops at the second page, saying the cursor does not advance
        #expect(error.contains("does not advance"), "\(error)")
        #expect(pulls <= 2)
    }

    @Test func aServerThatRepeatsAChangesetUnderNewCursorsStopsTheSync() async throws {
        // When the server sends the same changesets again and again, each time under a
        // cursor further on, as if they were new
        let (error, pulls, bob) = try await syncThroughALyingServer(withoutAt: true) { number, first in
            let text = Self.saysMore(first)
            guard let range = text.range(of: #""cursor":[0-9]+"#, options: .regularExpression) else { return first }
            return Array(text.replacingCharacters(in: range, with: "\"cursor\":\(number * 1000)").utf8)
        }
        // Then the sync stops at the first repeat, naming it, and the error is kept for
        // `annot status`
        #expect(error.contains("twice in one pull"), "\(error)")
        #expect(pulls <= 2)
        #expect(try bob.remote()?.lastError?.contains("twice in one pull") == true)
    }

    @Test func repliesOverTheCapAreAskedForAgainInSmallerPages() async throws {
        // Given alice's work on the server: an import and 40 tags
        let server = try InProcessServer()
        let (alice, bob, aliceToken, bobToken) = try await aliceAndBob(server, tags: 40)
        try await server.test { client in
            try await Self.push(alice, token: aliceToken, client: client)
            // When every pull page of more than 8 operations is "too large" for the client
            let small = RouterTransport(client: client, token: bobToken)
            small.refuse = { path in
                guard path.hasPrefix("/v1/pull"), let limit = path.split(separator: "limit=").last.flatMap({ Int($0.prefix { $0.isNumber }) })
                else { return nil }
                return limit > 8 ? SyncReplyTooLarge(limit: 1024) : nil
            }
            // Then the sync shrinks its pages until they pass, and receives everything
            let report = try await InProcessServer.blocking { try SyncSession(replica: bob, transport: small).run() }
            #expect(report.received == 41)
        }
        #expect(try bob.snapshot().canonicalJSON() == alice.snapshot().canonicalJSON())
    }

    @Test func whatTheServerTookIsAppliedByAReplicaAMinuteBehind() async throws {
        // Given a server, alice's machine 270 s ahead of it (within its 300 s bound), and
        // bob's a minute behind it
        let now = SystemWallClock().milliseconds()
        let server = try InProcessServer(wallClock: ManualWallClock(milliseconds: now))
        let (alice, bob, aliceToken, bobToken) = try await aliceAndBob(
            server, tags: 2, aliceClock: ManualWallClock(milliseconds: now + 270_000), bobClock: ManualWallClock(milliseconds: now - 60_000))
        // When bob syncs
        let report = try await server.test { client in
            try await Self.push(alice, token: aliceToken, client: client)
            return try await InProcessServer.blocking { try SyncSession(replica: bob, transport: RouterTransport(client: client, token: bobToken)).run() }
        }
        // Then he applies all of alice's work (330 s ahead of his clock), holding nothing
        #expect(report.held == 0)
        #expect(try bob.heldChangesets().isEmpty)
        #expect(try bob.snapshot().canonicalJSON() == alice.snapshot().canonicalJSON())
    }
}
