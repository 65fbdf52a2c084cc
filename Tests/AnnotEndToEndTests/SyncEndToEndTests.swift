import Foundation
import TestSupport
import Testing

extension EndToEnd {
/// Real `syncd` and `annot` processes on loopback: analysts who worked offline, with
/// conflicting work, converge through the server whatever the order of their syncs, and
/// crashes of either side lose nothing.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct SyncEndToEndTests {
    let folder = TemporaryFolder()

    /// An analyst with a replica of the sample corpus pointed at `server`.
    func analyst(_ name: String, server: SyncdProcess, corpus: String = AnnotCLI.corpus) throws -> AnnotCLI {
        let cli = AnnotCLI(replica: folder.path("\(name).sqlite"))
        try expectSuccess(cli.run(["init", "--user", name]))
        try expectSuccess(cli.run(["import", corpus]))
        let token = try server.addUser(name)
        try expectSuccess(cli.run(["remote", "set", server.url, "--token", token]))
        return cli
    }

    func startServer() throws -> SyncdProcess {
        let server = SyncdProcess(data: folder.path("server"))
        try server.start()
        return server
    }

    /// The server's merged view, in the canonical export form.
    func serverExport(_ server: SyncdProcess, token: String) throws -> String {
        let (status, body) = try server.get("/v1/export", token: token)
        #expect(status == 200)
        return String(decoding: body, as: UTF8.self)
    }

    // MARK: - Convergence

    @Test(arguments: [["carol", "bob", "alice", "bob", "carol"], ["alice", "alice", "carol", "bob", "alice", "carol", "bob"]])
    func threeAnalystsWithConflictingOfflineWorkConverge(order: [String]) throws {
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        let bob = try analyst("bob", server: server)
        let carol = try analyst("carol", server: server)
        let analysts = ["alice": alice, "bob": bob, "carol": carol]
        for cli in [alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }

        // Given a tag and a note that everyone has seen…
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        let note = expectSuccess(try alice.run(["note", "003", "The precondition is a reduction in violence."]))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(note.count == 32, "annot note prints the new note's id, got '\(note)'")
        expectSuccess(try alice.run(["sync"]))
        expectSuccess(try bob.run(["sync"]))

        // …then offline, in conflict: bob removes the tag while carol (not yet synced) adds
        // it anew, and alice and bob edit the note at the same time.
        expectSuccess(try bob.run(["untag", "003", "precondition"]))
        expectSuccess(try carol.run(["tag", "003", "precondition", "talks/doha"]))
        expectSuccess(try alice.run(["note", "--edit", String(note.prefix(6)), "Alice: a ceasefire first."]))
        expectSuccess(try bob.run(["note", "--edit", String(note.prefix(6)), "Bob: a reduction in violence first."]))
        expectSuccess(try carol.run(["note", "004", "Carol was here."]))

        // When they sync in this order (some twice)…
        for name in order { expectSuccess(try analysts[name]!.run(["sync"])) }
        for cli in [alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }

        // Then every replica and the server hold the same state, byte for byte.
        let exports = try [alice, bob, carol].map { try expectSuccess($0.run(["export"])).stdout }
        #expect(exports[0] == exports[1])
        #expect(exports[1] == exports[2])
        #expect(try serverExport(server, token: try server.addUser("auditor", role: "reader")) == exports[0])
        // Add wins over the concurrent remove.
        for cli in [alice, bob, carol] {
            #expect(try cli.run(["list", "--tag", "precondition"]).stdout.hasPrefix("003_e7379399b3230908"))
        }
        // The concurrent edit is not lost: it shows as a conflict, with both values.
        let conflicts = try bob.run(["conflicts"]).stdout
        #expect(conflicts.contains("Alice: a ceasefire first."))
        #expect(conflicts.contains("Bob: a reduction in violence first."))

        // And syncing again changes nothing.
        let report = expectSuccess(try carol.run(["sync", "--json"])).json
        #expect(report?["pushed"] as? Int == 0)
        #expect(report?["received"] as? Int == 0)
        #expect(try carol.run(["export"]).stdout == exports[0])
    }

    // MARK: - Failures

    @Test func syncWithTheServerDownSaysWhyLosesNothingAndContinuesLater() throws {
        let server = try startServer()
        let alice = try analyst("alice", server: server)
        server.stop()

        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        let failed = try alice.run(["sync"])
        #expect(failed.status != 0)
        #expect(failed.stderr.split(separator: "\n").count == 1, "one line: \(failed.stderr)")
        #expect(failed.stderr.contains("cannot reach the server"))
        #expect(try alice.pending() ?? 0 > 0)

        try server.start()
        defer { server.stop() }
        expectSuccess(try alice.run(["sync"]))
        let reader = try server.addUser("rita", role: "reader")
        #expect(try serverExport(server, token: reader) == alice.run(["export"]).stdout)
        #expect(try alice.pending() == 0)
    }

    @Test func sigtermStopsTheServerGracefullyAfterRequestsInFlight() throws {
        let corpus = try largeCorpus(articles: 200)
        let server = try startServer()
        let alice = try analyst("alice", server: server, corpus: corpus)
        // A sync under way when the server is asked to stop either finishes or fails cleanly.
        let sync = try alice.start(["sync", "--batch", "20"])
        Thread.sleep(forTimeInterval: 0.2)
        let ended = server.stop(signal: SIGTERM)
        #expect(ended?.reason == .exit)
        #expect(ended?.status == 0)
        let result = sync.wait()
        if result.status != 0 { #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)") }
        // Nothing acknowledged was lost: after a restart, the next sync converges.
        try server.start()
        defer { server.stop() }
        expectSuccess(try alice.run(["sync"]))
        #expect(try serverExport(server, token: try server.addUser("rita", role: "reader")) == alice.run(["export"]).stdout)
    }

    @Test func aReplacedServerStoreIsNoticedAndGetsEverythingAgain() throws {
        // Given alice, synced with a server…
        let server = try startServer()
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        expectSuccess(try alice.run(["sync"]))
        server.stop()

        // …whose store is then replaced by an empty one at the same address.
        let replacement = SyncdProcess(data: folder.path("replacement"))
        let token = try replacement.addUser("alice")
        try replacement.start(port: server.port)
        defer { replacement.stop() }
        expectSuccess(try alice.run(["remote", "set", replacement.url, "--token", token]))

        // When she syncs, her cursors (which belong to the old store) are not trusted:
        let synced = expectSuccess(try alice.run(["sync"]))
        #expect(synced.stderr.contains("not the one this replica last synced with"))
        // everything she holds reaches the new store.
        let reader = try replacement.addUser("rita", role: "reader")
        #expect(try serverExport(replacement, token: reader) == alice.run(["export"]).stdout)
    }

    @Test func aBadTokenIsAClearError() throws {
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        expectSuccess(try alice.run(["remote", "set", server.url, "--token", "wrong"]))
        let failed = try alice.run(["sync"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("401"))
        #expect(failed.stderr.contains("unknown or revoked token"))
    }

    @Test func aSyncOfManyRequestsUsesOneConnection() throws {
        // Given an analyst whose server is reached through a proxy that counts connections
        let server = try startServer()
        defer { server.stop() }
        let proxy = try CountingProxy(forwardingTo: server.port)
        defer { proxy.stop() }
        let alice = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try alice.run(["init", "--user", "alice"]))
        expectSuccess(try alice.run(["import", AnnotCLI.corpus]))
        let token = try server.addUser("alice")
        expectSuccess(try alice.run(["remote", "set", "http://127.0.0.1:\(proxy.port)", "--token", token]))
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        expectSuccess(try alice.run(["tag", "001", "talks/doha"]))
        let pending = try #require(try alice.pending())
        #expect(pending >= 3)
        // When she syncs one operation per push request
        let synced = expectSuccess(try alice.run(["sync", "--batch", "1", "--json"]))
        // Then every operation went through, and all the requests shared one connection
        #expect(synced.json?["pushed"] as? Int == pending, "\(synced.stdout)")
        #expect(proxy.connections == 1)
    }

    @Test func aServerThatNeverAnswersTimesOutAndLosesNothing() throws {
        // Given a server address that accepts connections and never answers
        let silent = try SilentListener()
        let alice = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try alice.run(["init", "--user", "alice"]))
        expectSuccess(try alice.run(["import", AnnotCLI.corpus]))
        expectSuccess(try alice.run(["remote", "set", "http://127.0.0.1:\(silent.port)", "--token", "any"]))
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        // When she syncs (the listener kept open until she is done)
        let started = Date()
        let failed = try withExtendedLifetime(silent) { try alice.run(["sync"]) }
        // Then the sync gives up by itself, says why in one line, and keeps her work
        #expect(failed.status == 1)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(failed.stderr.split(separator: "\n").count == 1, "one line: \(failed.stderr)")
        #expect(failed.stderr.contains("timed out"), "\(failed.stderr)")
        #expect(try alice.run(["list", "--tag", "precondition"]).stdout.contains("003_"))
        #expect(try alice.pending() ?? 0 > 0)
    }

    @Test func aServerThatHangsUpIsNamedInOneLineAndLosesNothing() throws {
        // Given a server address that accepts connections and closes them at once (a proxy
        // in front of a port where nothing listens)
        let nothing = try LoopbackSocket.listen()
        close(nothing.descriptor)
        let proxy = try CountingProxy(forwardingTo: nothing.port)
        defer { proxy.stop() }
        let alice = AnnotCLI(replica: folder.path("alice.sqlite"))
        expectSuccess(try alice.run(["init", "--user", "alice"]))
        expectSuccess(try alice.run(["import", AnnotCLI.corpus]))
        expectSuccess(try alice.run(["remote", "set", "http://127.0.0.1:\(proxy.port)", "--token", "any"]))
        // When she syncs
        let failed = try alice.run(["sync"])
        // Then one line names the server and says that nothing is lost, and nothing is
        #expect(failed.status == 1)
        #expect(failed.stderr.split(separator: "\n").count == 1, "one line: \(failed.stderr)")
        #expect(failed.stderr.contains("the server at http://127.0.0.1:\(proxy.port)"), "\(failed.stderr)")
        #expect(failed.stderr.contains("nothing is lost"), "\(failed.stderr)")
        #expect(proxy.connections >= 1)
        #expect(try alice.pending() ?? 0 > 0)
    }

    @Test func httpsToAPlainHTTPServerIsATLSError() throws {
        // Given a remote set with https:// for a server that speaks plain HTTP
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        let token = try server.addUser("alice2")
        let https = server.url.replacingOccurrences(of: "http://", with: "https://")
        expectSuccess(try alice.run(["remote", "set", https, "--token", token]))
        // When she syncs
        let failed = try alice.run(["sync"])
        // Then the failure is named as TLS, in one line
        #expect(failed.status == 1)
        #expect(failed.stderr.split(separator: "\n").count == 1, "one line: \(failed.stderr)")
        #expect(failed.stderr.contains("TLS"), "\(failed.stderr)")
    }

    @Test func withoutLibcurlSyncSaysSoAndEverythingElseWorks() throws {
        // Given an analyst whose annot cannot load libcurl
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server)
        let noLibcurl = ["ANNOT_LIBCURL": folder.path("no-such-libcurl.so.4")]
        // When she syncs
        let failed = try alice.run(["sync"], environment: noLibcurl)
        // Then sync fails in one line that says why
        #expect(failed.status == 1)
        #expect(failed.stderr.split(separator: "\n").count == 1, "one line: \(failed.stderr)")
        #expect(failed.stderr.contains("cannot load libcurl"), "\(failed.stderr)")
        // And nothing was marked as sent
        #expect(try alice.pending() ?? 0 > 0)
        // And with libcurl found, the same replica syncs
        expectSuccess(try alice.run(["sync"]))
        #expect(try alice.pending() == 0)
    }

    /// A generated corpus big enough that a sync takes many requests.
    func largeCorpus(articles: Int) throws -> String {
        let path = folder.path("large")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for index in 0..<articles {
            let text = "Generated article \(index)\n\n" + String(repeating: "Talks in Doha continue, day \(index). ", count: 40)
            try text.write(toFile: "\(path)/\(String(format: "%05d", index))_generated.txt", atomically: true, encoding: .utf8)
        }
        return path
    }

    @Test func serverKilledMidPushLosesNothingAndAppliesNothingTwice() throws {
        let corpus = try largeCorpus(articles: 400)
        let server = try startServer()
        let alice = try analyst("alice", server: server, corpus: corpus)
        let reader = try server.addUser("rita", role: "reader")

        // When the server is killed (SIGKILL) while alice's sync pushes in small batches…
        let sync = try alice.start(["sync", "--batch", "5"])
        Thread.sleep(forTimeInterval: 0.3)
        server.stop(signal: SIGKILL)
        let interrupted = sync.wait()
        if interrupted.status != 0 { #expect(interrupted.stderr.contains("server")) }

        // …and restarted, the next sync finishes the job.
        try server.start()
        defer { server.stop() }
        expectSuccess(try alice.run(["sync"]))
        let export = try alice.run(["export"]).stdout
        #expect(try serverExport(server, token: reader) == export)
        // Exactly once: the log holds each of alice's operations once.
        let (_, page) = try server.get("/v1/pull?limit=20000", token: reader)
        let changes = (try JSONSerialization.jsonObject(with: page) as? [String: Any])?["changes"] as? [String: Any]
        let changesets = changes?["changesets"] as? [[String: Any]] ?? []
        let onServer = changesets.flatMap { ($0["operations"] as? [[String: Any]] ?? []).compactMap { $0["hlc"] as? String } }
        let log = try alice.run(["log", "--json", "--limit", "100000"]).stdout
        let local = (try JSONSerialization.jsonObject(with: Data(log.utf8)) as? [[String: Any]])?.count
        #expect(onServer.count == 400)
        #expect(Set(onServer).count == onServer.count)
        #expect(local == 400)
    }

    @Test func aCatchUpInManySmallPagesReceivesEverythingOnce() throws {
        // Given 403 operations on the server (400 imports and three tags)
        let corpus = try largeCorpus(articles: 400)
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server, corpus: corpus)
        for article in ["00001", "00002", "00399"] { expectSuccess(try alice.run(["tag", article, "talks/doha"])) }
        expectSuccess(try alice.run(["sync"]))
        let bob = try analyst("bob", server: server, corpus: corpus)
        // When bob catches up in pages of 7 operations (58 pages: five commits of ten, then one)
        let synced = expectSuccess(try bob.run(["sync", "--pull-page-size", "7", "--json"]))
        // Then he received each of alice's operations once (his own identical imports are
        // new operations of hers to him), and both replicas have one state
        #expect(synced.json?["received"] as? Int == 403, "\(synced.stdout)")
        expectSuccess(try alice.run(["sync"]))
        #expect(try bob.run(["export"]).stdout == alice.run(["export"]).stdout)
        // And a page size out of range is a usage error, in one line
        let refused = try bob.run(["sync", "--pull-page-size", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--pull-page-size must be from 1 to 20000"), "\(refused.stderr)")
    }

    @Test func clientKilledMidSyncRecoversOnTheNextSync() throws {
        let corpus = try largeCorpus(articles: 400)
        let server = try startServer()
        defer { server.stop() }
        let alice = try analyst("alice", server: server, corpus: corpus)
        expectSuccess(try alice.run(["sync"]))
        let bob = try analyst("bob", server: server)

        // When bob's first sync (pushing his import, pulling alice's) is killed part way…
        let sync = try bob.start(["sync", "--batch", "1"])
        Thread.sleep(forTimeInterval: 0.25)
        kill(sync.process.processIdentifier, SIGKILL)
        _ = sync.wait()

        // …the next one converges.
        expectSuccess(try bob.run(["sync"]))
        expectSuccess(try alice.run(["sync"]))
        #expect(try bob.run(["export"]).stdout == alice.run(["export"]).stdout)
    }

    // MARK: - PostgreSQL

    /// A fresh database on the test PostgreSQL server (`SYNCD_TEST_POSTGRES_URL`), made with psql.
    func postgresDatabase() throws -> String {
        let admin = try #require(ProcessInfo.processInfo.environment["SYNCD_TEST_POSTGRES_URL"])
        let name = "annot_e2e_" + UUID().uuidString.prefix(8).lowercased()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", admin, "-q", "-c", "CREATE DATABASE \(name)"]
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 60)
        process.waitUntilExit()
        watchdog.disarm()
        #expect(process.terminationStatus == 0)
        var components = try #require(URLComponents(string: admin))
        components.path = "/" + name
        return try #require(components.string)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SYNCD_TEST_POSTGRES_URL", default: ""].isEmpty == false, "needs SYNCD_TEST_POSTGRES_URL"))
    func twoSyncdInstancesOnOnePostgresDatabaseServeOneLog() throws {
        let database = try postgresDatabase()
        // Two instances started together on an empty database: one applies the schema.
        let first = SyncdProcess(data: folder.path("first"), store: database)
        let second = SyncdProcess(data: folder.path("second"), store: database)
        try first.start()
        try second.start()
        defer {
            first.stop()
            second.stop()
        }
        // Alice syncs through the first instance, Bob through the second.
        let alice = try analyst("alice", server: first)
        let bob = try analyst("bob", server: second)
        expectSuccess(try alice.run(["tag", "003", "precondition"]))
        let note = expectSuccess(try alice.run(["note", "003", "Shared through PostgreSQL."])).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        expectSuccess(try alice.run(["sync"]))
        expectSuccess(try bob.run(["sync"]))
        #expect(try bob.run(["notes", "003"]).stdout.contains("Shared through PostgreSQL."))
        // Concurrent edits, each pushed to a different instance.
        expectSuccess(try alice.run(["note", "--edit", note, "Alice's edit."]))
        expectSuccess(try bob.run(["note", "--edit", note, "Bob's edit."]))
        expectSuccess(try bob.run(["untag", "003", "precondition"]))
        for cli in [bob, alice, bob] { expectSuccess(try cli.run(["sync"])) }
        // A client may switch instances: Alice pulls from the second one now.
        expectSuccess(try alice.run(["remote", "set", second.url, "--token", try second.addUser("alice")]))
        expectSuccess(try alice.run(["sync"]))

        let export = try alice.run(["export"]).stdout
        #expect(try bob.run(["export"]).stdout == export)
        let reader = try first.addUser("rita", role: "reader")
        #expect(try serverExport(first, token: reader) == export)
        #expect(try serverExport(second, token: reader) == export)
        #expect(try alice.run(["conflicts"]).stdout.contains("Alice's edit."))
    }
}
}
