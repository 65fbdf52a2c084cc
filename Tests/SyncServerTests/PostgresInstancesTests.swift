import Foundation
import TestSupport
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import SyncCore
@testable import SyncServer
import Testing

/// Several `syncd` instances on one PostgreSQL database, and PostgreSQL going away under
/// them. Each instance is a ``PostgresChangeStore`` with its own connection pool and group
/// committer, as in a `syncd` process.
@Suite(.timeLimit(.minutes(10)), .enabled(if: TestDatabase.adminURL != nil, "needs SYNCD_TEST_POSTGRES_URL"))
struct PostgresInstancesTests {
    /// Pushes through two instances while a puller on each follows the log: every
    /// acknowledged operation must reach both pullers, exactly once. A store that let
    /// sequence numbers commit out of order would make a puller step over one for good.
    @Test func noPullerEverMissesAnAcknowledgedOperation() async throws {
        let database = try await TestStore(.postgres)
        try await database.withInstance { first in
            try await database.withInstance { second in
                let instances = [first, second]
                let acknowledged = Collected()
                let pushing = Flag()
                try await withThrowingTaskGroup(of: [String].self) { group in
                    // Pullers, one per instance.
                    for instance in instances {
                        group.addTask {
                            var cursor: Int64 = 0
                            var seen: [String] = []
                            var caughtUpAfterPushes = false
                            let deadline = ContinuousClock.now + .seconds(180)
                            while !caughtUpAfterPushes, ContinuousClock.now < deadline {
                                let finished = await pushing.isDown
                                let page = try await instance.pull(after: cursor, limit: 5)
                                seen += try page.operations.map { try WireFormat.decodeOperation($0.payload).timestamp.description }
                                cursor = page.cursor
                                caughtUpAfterPushes = finished && !page.more
                            }
                            return seen
                        }
                    }
                    // Pushers: 8 writers, 30 changesets of 1 to 3 operations each, alternating instances.
                    let writers = Task {
                        try await withThrowingTaskGroup(of: Void.self) { writers in
                            for writer in 0..<8 {
                                writers.addTask {
                                    let changesets = ServerFixture.changesets(
                                        by: "alice", replica: "p\(writer)", count: 30, perChangeset: writer % 3 + 1)
                                    for (index, changeset) in changesets.enumerated() {
                                        _ = try await instances[(index + writer) % 2].push([EncodedChangeset(changeset)], by: "alice")
                                        await acknowledged.add(changeset.operations.map { $0.timestamp.description })
                                    }
                                }
                            }
                            try await writers.waitForAll()
                        }
                    }
                    try await writers.value
                    await pushing.lower()
                    let expected = await acknowledged.values
                    #expect(expected.count == (0..<8).reduce(0) { $0 + 30 * ($1 % 3 + 1) })
                    for try await seen in group {
                        #expect(seen.count == Set(seen).count, "an operation was delivered twice")
                        #expect(Set(seen) == Set(expected), "missing: \(Set(expected).subtracting(seen).prefix(5))")
                    }
                }
            }
        }
    }

    /// PostgreSQL stopped while clients push: 503 with a JSON error, quickly (never a 500,
    /// never a hang); once it is back the same instance serves again, and nothing
    /// acknowledged is lost.
    @Test func aPostgresRestartGives503ThenRecoversLosingNothing() async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.remove() }
        let database = try await cluster.createDatabase()
        var logger = Logger(label: "syncd-test")
        logger.logLevel = .critical
        let setup = try PostgresChangeStore(url: database, callTimeout: .seconds(30), logger: logger)
        let token = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { await setup.client.run(); return nil }
            defer { group.cancelAll() }
            try await setup.prepare()
            return try await UserAdministration.add(ServerUser(name: "alice", role: .annotator), to: setup)
        }
        let store = try PostgresChangeStore(url: database, callTimeout: .seconds(3), logger: logger)
        var app = Application(router: SyncServer.buildRouter(store: store), services: store.services)
        app.beforeServerStarts { try await store.prepare() }
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let authorized = headers
        try await app.test(.router) { client in
            let batches = (0..<4).map {
                ServerFixture.changesets(by: "alice", count: 5, start: UInt64(Date().timeIntervalSince1970 * 1000) - 60_000 + UInt64($0 * 10))
            }
            func push(_ batch: [Changeset]) async throws -> TestResponse {
                try await client.execute(uri: "/v1/push", method: .post, headers: authorized, body: ServerFixture.body(batch))
            }
            // (The store's 3 s call deadline is short for a machine busy with the other suites:
            // the first push may take a retry, which is safe since pushes are idempotent.)
            var first = try await push(batches[0])
            for _ in 0..<10 where first.status == .serviceUnavailable {
                try await Task.sleep(for: .milliseconds(500))
                first = try await push(batches[0])
            }
            #expect(first.status == .ok)

            // When PostgreSQL stops…
            try cluster.stop()
            let start = ContinuousClock.now
            let during = try await push(batches[1])
            #expect(during.status == .serviceUnavailable)
            #expect(ServerFixture.errorCode(during) == "store_unavailable")
            #expect(ContinuousClock.now - start < .seconds(10))
            let pull = try await client.execute(uri: "/v1/pull", method: .get, headers: authorized)
            #expect(pull.status == .serviceUnavailable)
            // …the server itself keeps answering.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)

            // When it is back, the same instance reconnects by itself.
            try cluster.restart()
            var recovered = false
            let deadline = ContinuousClock.now + .seconds(90)
            while !recovered, ContinuousClock.now < deadline {
                let response = try await push(batches[1])
                #expect(response.status == .ok || response.status == .serviceUnavailable, "got \(response.status)")
                recovered = response.status == .ok
                if !recovered { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(recovered)
            #expect(try await push(batches[2]).status == .ok)
            let page = ServerFixture.json(try await client.execute(uri: "/v1/pull?limit=1000", method: .get, headers: authorized))
            let changes = try #require(page["changes"] as? [String: Any])
            let held = try WireFormat.decode(document: changes).flatMap(\.operations)
            let sent = (batches[0] + batches[1] + batches[2]).flatMap(\.operations)
            #expect(held == sent)
        }
    }
}

/// Values gathered by concurrent tasks.
actor Collected {
    private(set) var values: [String] = []
    func add(_ more: [String]) { values += more }
}

/// A one-way switch.
actor Flag {
    private(set) var isDown = false
    func lower() { isDown = true }
}

/// A PostgreSQL cluster of the test's own (so stopping it disturbs no other test), made by
/// `scripts/pg-test-cluster`.
struct PostgresCluster {
    let folder: String
    let url: String

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/pg-test-cluster").path
    }

    static func start() throws -> PostgresCluster {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("syncd-pg-\(UUID().uuidString)").path
        try run("start", folder)
        let port = try String(contentsOfFile: folder + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresCluster(folder: folder, url: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable")
    }

    func stop() throws { try Self.run("stop", folder) }
    func restart() throws { try Self.run("start", folder) }
    func remove() { try? Self.run("remove", folder) }

    func createDatabase() async throws -> String {
        try await TestDatabase.run(url, "CREATE DATABASE outage")
        return url.replacingOccurrences(of: "/postgres?", with: "/outage?")
    }

    /// Runs the script with posix_spawn and waitpid. (Foundation's Process, in this test
    /// process, sometimes never notices that its child exited, once a server has been
    /// started from it; the output goes to /dev/null for the same kind of reason: a server
    /// started by `pg_ctl` may inherit a pipe and keep it open for good.)
    static func run(_ command: String, _ folder: String) throws {
        let arguments = ["/bin/bash", script, command, folder]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ) == 0 else {
            throw TestFailure("cannot run pg-test-cluster")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { throw TestFailure("pg-test-cluster \(command) failed") }
    }
}

/// The watermark of the PostgreSQL store (docs/protocol.md §15), one case at a time: a push
/// in flight holds readers below its numbers, whoever committed after it, and a push that
/// ended without committing holds nobody.
@Suite(.timeLimit(.minutes(5)), .enabled(if: TestDatabase.adminURL != nil, "needs SYNCD_TEST_POSTGRES_URL"))
struct PostgresWatermarkTests {
    /// Given a push through one instance that has numbered its operations but not committed,
    /// when a later push through another instance commits, then no reader sees the later one
    /// until the first commits, and then sees both in order.
    @Test func aPushInFlightHoldsEveryReaderBelowItsNumbers() async throws {
        let database = try await TestStore(.postgres)
        try await database.withInstance { slow in
            try await database.withInstance { fast in
                let early = ServerFixture.changesets(by: "alice", replica: "early", count: 2, perChangeset: 2)
                let late = ServerFixture.changesets(by: "alice", replica: "late", count: 1, perChangeset: 3)
                let gate = Gate()
                let held = Task {
                    try await PostgresChangeStore.$beforeCommit.withValue({ await gate.reached(); await gate.wait() }) {
                        try await slow.push(early.map(EncodedChangeset.init), by: "alice")
                    }
                }
                await gate.untilReached()
                let outcome = try await fast.push(late.map(EncodedChangeset.init), by: "alice")
                #expect(outcome.accepted == 3)
                for instance in [fast, slow] {
                    let page = try await instance.pull(after: 0, limit: 100)
                    #expect(page.operations.isEmpty, "a reader saw operations numbered above a push in flight")
                    #expect(page.cursor == 0)
                }
                await gate.open()
                _ = try await held.value
                let operations = try await ChangeStoreConformanceTests.pullAll(fast)
                #expect(operations.map(\.seq) == Array(1...7))
                let expected = (early + late).flatMap { $0.operations.map(\.canonicalJSON) }
                #expect(operations.map(\.payload) == expected)
            }
        }
    }

    /// Given a reservation left by a push whose transaction ended without cleaning up (its
    /// connection lost), when a reader comes, then it finds the reservation's lock free,
    /// deletes it, and serves what was committed after it.
    @Test func aReservationWhosePushEndedHoldsNobody() async throws {
        let database = try await TestStore(.postgres)
        try await database.withInstance { store in
            let postgres = try #require(store as? PostgresChangeStore)
            // A push that reserved 1...5 and died: its advisory lock is gone with it.
            _ = try await PostgresChangeStore.reserve(5, token: 42, client: postgres.client, logger: Logger(label: "test"))
            let changesets = ServerFixture.changesets(by: "alice", count: 2, perChangeset: 2)
            _ = try await store.push(changesets.map(EncodedChangeset.init), by: "alice")
            let page = try await store.pull(after: 0, limit: 100)
            #expect(page.operations.map(\.seq) == [6, 7, 8, 9])
            var left = 0
            for try await count in try await postgres.client.query("SELECT count(*) FROM log_reservations").decode(Int.self) {
                left = count
            }
            #expect(left == 0, "the dead reservation was not deleted")
        }
    }
}

/// A point a task stops at until the test opens it.
actor Gate {
    private var isReached = false
    private var isOpen = false
    private var reachWaiters: [CheckedContinuation<Void, Never>] = []
    private var openWaiters: [CheckedContinuation<Void, Never>] = []

    func reached() {
        isReached = true
        reachWaiters.forEach { $0.resume() }
        reachWaiters = []
    }

    func untilReached() async {
        if isReached { return }
        await withCheckedContinuation { reachWaiters.append($0) }
    }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { openWaiters.append($0) }
    }

    func open() {
        isOpen = true
        openWaiters.forEach { $0.resume() }
        openWaiters = []
    }
}

/// Two `syncd` instances on one PostgreSQL database, through their routers: one merged view
/// in the store, and a long poll on one instance woken by a push on the other.
@Suite(.timeLimit(.minutes(5)), .enabled(if: TestDatabase.adminURL != nil, "needs SYNCD_TEST_POSTGRES_URL"))
struct PostgresSharedViewTests {
    static func app(_ store: any ChangeStore) -> some ApplicationProtocol {
        var app = Application(router: SyncServer.buildRouter(store: store, wallClock: ManualWallClock(milliseconds: ServerFixture.now)), services: store.services)
        app.beforeServerStarts { try await store.prepare() }
        return app
    }

    /// Given two instances, when a push lands on the first, then a read on the second shows it
    /// at once (it moves the shared view on itself), and both export the same bytes.
    @Test func everyInstanceReadsTheSameView() async throws {
        let server = try await ServerFixture(.postgres)
        let headers = ServerFixture.headers(token: server.aliceToken)
        try await Self.app(try server.store.instance()).test(.router) { first in
            try await Self.app(try server.store.instance()).test(.router) { second in
                for round in 0..<3 {
                    let changesets = ServerFixture.changesets(by: "alice", replica: "v\(round)", count: 2, start: ServerFixture.now - 30_000 + UInt64(round * 100), tag: "code\(round)-")
                    try await first.execute(uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(changesets)) {
                        #expect($0.status == .ok)
                    }
                    let tags = try await second.execute(uri: "/v1/tags", method: .get, headers: headers)
                    let listed = ReadRoutesTests.list(tags).compactMap { $0["tag"] as? String }
                    #expect(listed.filter { $0.hasPrefix("code\(round)-") }.count == 2, "round \(round): \(listed)")
                }
                let one = try await first.execute(uri: "/v1/export", method: .get, headers: headers)
                let other = try await second.execute(uri: "/v1/export", method: .get, headers: headers)
                #expect(one.status == .ok)
                #expect(Array(one.body.readableBytesView) == Array(other.body.readableBytesView))
            }
        }
    }

    /// Given a pull waiting on the second instance, when a push lands on the first, then the
    /// pull answers with it within a second or two (the 250 ms look at the store), not at the
    /// end of its wait.
    @Test func aPushOnOneInstanceWakesALongPollOnAnother() async throws {
        let server = try await ServerFixture(.postgres)
        let headers = ServerFixture.headers(token: server.aliceToken)
        try await Self.app(try server.store.instance()).test(.router) { first in
            try await Self.app(try server.store.instance()).test(.router) { second in
                let start = ContinuousClock.now
                async let waiting = second.execute(uri: "/v1/pull?after=0&wait=20", method: .get, headers: headers)
                try await Task.sleep(for: .milliseconds(500))
                try await first.execute(
                    uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 1))
                ) { #expect($0.status == .ok) }
                let answer = try await waiting
                let elapsed = ContinuousClock.now - start
                let changes = try #require(ServerFixture.json(answer)["changes"] as? [String: Any])
                #expect(try WireFormat.decode(document: changes).count == 1)
                #expect(elapsed < .seconds(5), "the long poll answered after \(elapsed)")
            }
        }
    }
}
