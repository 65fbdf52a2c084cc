import Foundation
import GRDB
import HummingbirdTesting
import Logging
import Replica
import SeededRandom
import SyncCore
import SyncServer
import TestSupport
import Testing

@testable import Snapshots

/// Starting a replica from the server's snapshot (docs/protocol.md §16): the same state as
/// replaying the log, and every hostile snapshot refused before it is read, the replica then
/// pulling the log instead.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct SnapshotBootstrapTests {
    static var seeds: [UInt64] { PropertySeeds.seeds(defaultCount: 40, stride: 0x2545_F491_4F6C_DD1D, offset: 101) }

    /// A server holding `changesets`, each pushed by its author (every author a curator).
    static func server(holding changesets: [Changeset]) async throws -> InProcessServer {
        let server = try InProcessServer()
        for author in HostileHistory.authors { _ = try await server.addUser(author.rawValue) }
        try await push(changesets, to: server)
        return server
    }

    static func push(_ changesets: [Changeset], to server: InProcessServer) async throws {
        for changeset in changesets {
            _ = try await server.store.push([EncodedChangeset(changeset)], by: changeset.author.rawValue)
        }
    }

    /// A maker on the server's store that has published a snapshot of everything so far.
    static func maker(for server: InProcessServer) async throws -> SnapshotMaker {
        var policy = SnapshotMaker.Policy()
        policy.minimumOperations = 1
        let maker = SnapshotMaker(store: server.store, folder: server.scratch.path("snapshots"), policy: policy, logger: Logger(label: "test"))
        try await maker.prepare()
        try await maker.follow()
        try await maker.publishIfDue()
        return maker
    }

    /// A new replica of user `name`, set to sync with `server` with a token of `role`.
    static func replica(
        _ name: String, role: Role = .reader, on server: InProcessServer, in folder: TemporaryFolder
    ) async throws -> LocalReplica {
        let replica = try LocalReplica.create(at: folder.path("\(name).sqlite"), user: try UserName(name))
        try replica.setRemote(url: "http://in-process", token: try await server.addUser(name, role: role))
        return replica
    }

    /// Syncs `replica` with the token it has; the warnings the session gave are returned with
    /// the report.
    static func sync(
        _ replica: LocalReplica, client: any TestClientProtocol, snapshots: Bool = true
    ) async throws -> (report: SyncSession.Report, warnings: [String]) {
        let token = try #require(try replica.remote()).token
        return try await InProcessServer.blocking {
            let warnings = Warnings()
            var session = SyncSession(replica: replica, transport: RouterTransport(client: client, token: token))
            session.snapshots = snapshots
            session.snapshotGap = 1
            session.warning = { warnings.add($0) }
            return (try session.run(), warnings.all)
        }
    }

    /// Property: over hostile histories, a replica that starts from a snapshot made part way
    /// and then follows the log holds what a replica that pulled every operation holds, which
    /// is the reference merge.
    @Test(arguments: seeds)
    func startingFromASnapshotEqualsReplayingTheLog(seed: UInt64) async throws {
        // Given a server holding part of a history, with a snapshot of it, and then the rest,
        var random = SplitMix64(seed: seed)
        let changesets = try HostileHistory.changesets(random: &random)
        let cut = Int.random(in: 1..<changesets.count, using: &random)
        let server = try await Self.server(holding: Array(changesets[..<cut]))
        let maker = try await Self.maker(for: server)
        try await Self.push(Array(changesets[cut...]), to: server)
        var reference = CorpusState()
        for changeset in changesets { reference.apply(changeset) }
        let folder = TemporaryFolder()
        let fresh = try await Self.replica("fresh", on: server, in: folder)
        let replay = try await Self.replica("replay", on: server, in: folder)
        // when one replica starts from the snapshot and the other pulls the whole log,
        try await server.test(snapshots: maker) { client in
            let started = try await Self.sync(fresh, client: client)
            #expect(started.report.snapshot != nil, "\(started.warnings)")
            #expect(started.warnings.isEmpty)
            let replayed = try await Self.sync(replay, client: client, snapshots: false)
            #expect(replayed.report.snapshot == nil)
        }
        // then both hold the reference merge, and every operation.
        let expected = reference.snapshot().canonicalJSON()
        #expect(try fresh.snapshot().canonicalJSON() == expected, "diverged: replay with CONVERGENCE_SEED=\(seed)")
        #expect(try replay.snapshot().canonicalJSON() == expected)
        #expect(try fresh.operationCount() == changesets.reduce(0) { $0 + $1.operations.count })
        #expect(try fresh.snapshotOrigin()?.manifest.cursor ?? 0 > 0)
        #expect(try replay.snapshotOrigin() == nil)
    }

    /// Given a replica that started from a snapshot, when it works on, then it syncs as any
    /// replica: its own changes reach the others, and theirs reach it.
    @Test func aReplicaStartedFromASnapshotWorksOn() async throws {
        var random = SplitMix64(seed: 7)
        let changesets = try HostileHistory.changesets(random: &random)
        let server = try await Self.server(holding: changesets)
        let maker = try await Self.maker(for: server)
        let folder = TemporaryFolder()
        let carol = try await Self.replica("carol", role: .annotator, on: server, in: folder)
        let dave = try await Self.replica("dave", role: .annotator, on: server, in: folder)
        try await server.test(snapshots: maker) { client in
            let first = try await Self.sync(carol, client: client)
            #expect(first.report.snapshot != nil)
            _ = try carol.tag("a1", with: ["from-carol"])
            _ = try await Self.sync(carol, client: client)
            _ = try await Self.sync(dave, client: client, snapshots: false)
            _ = try dave.tag("a2", with: ["from-dave"])
            _ = try await Self.sync(dave, client: client)
            let again = try await Self.sync(carol, client: client)
            #expect(again.report.received > 0)
        }
        #expect(try carol.snapshot().canonicalJSON() == dave.snapshot().canonicalJSON())
        #expect(try carol.pendingCount() == 0)
        #expect(try carol.identity().user.rawValue == "carol")
    }

    // MARK: - Hostile snapshots

    /// A server that serves one crafted snapshot file with a manifest of its choosing, or,
    /// with no file, announces a snapshot it then answers 404 for.
    final class CraftedSnapshot: SnapshotProvider, @unchecked Sendable {
        let manifest: SyncProtocol.SnapshotManifest
        let path: String?
        init(manifest: SyncProtocol.SnapshotManifest, path: String?) {
            self.manifest = manifest
            self.path = path
        }
        func current() async -> (manifest: SyncProtocol.SnapshotManifest, path: String)? { (manifest, path ?? "/nonexistent") }
        func file(sha256: String) async -> String? { sha256 == manifest.sha256 ? path : nil }
        func logGrew() {}
    }

    /// How a hostile server changes a genuine snapshot (its file, then its manifest).
    enum Forgery: String, CaseIterable, CustomTestStringConvertible {
        case wrongHash, lyingSize, notADatabase, flippedPages, trigger, extraTable, wrongType, localData, otherPosition,
            futureOperation, missingOperations, unknownSchema

        var testDescription: String { rawValue }
    }

    static func forge(_ forgery: Forgery, _ genuine: (manifest: SyncProtocol.SnapshotManifest, path: String), into path: String) throws
        -> SyncProtocol.SnapshotManifest
    {
        try FileManager.default.copyItem(atPath: genuine.path, toPath: path)
        let m = genuine.manifest
        func sql(_ statement: String) throws {
            let database = try DatabaseQueue(path: path)
            try database.writeWithoutTransaction { try $0.execute(sql: statement) }
            try database.close()
        }
        var cursor = m.cursor
        var schema = m.schema
        switch forgery {
        case .wrongHash, .lyingSize: break
        case .notADatabase: try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        case .flippedPages:
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: UInt64(m.bytes / 2))
            try handle.write(contentsOf: Data(repeating: 0xFF, count: 4096 * 3))
            try handle.close()
        case .trigger: try sql("CREATE TRIGGER steal AFTER INSERT ON keys BEGIN DELETE FROM operations; END")
        case .extraTable: try sql("CREATE TABLE backdoor (payload TEXT)")
        case .wrongType: try sql("UPDATE tag_additions SET live = x'00ff'")
        case .localData:
            try sql("INSERT INTO keys (key, replica, user_name, source, added_at) VALUES ('\(String(repeating: "ab", count: 32))', 'r', 'mallory', 'trusted', 0)")
        case .otherPosition: cursor += 1000
        case .futureOperation: try sql("UPDATE operations SET hlc = 'ffffffffffff' || substr(hlc, 13) WHERE seq = (SELECT max(seq) FROM operations)")
        case .missingOperations: try sql("DELETE FROM operations WHERE seq = (SELECT min(seq) FROM operations)")
        case .unknownSchema: schema.append("9999_from_the_future")
        }
        let (sha256, bytes) = try ReplicaMirror.digest(of: path)
        return SyncProtocol.SnapshotManifest(
            schema: schema, cursor: cursor, operation: m.operation, store: m.store, operations: m.operations,
            sha256: forgery == .wrongHash ? String(repeating: "0", count: 64) : sha256, bytes: forgery == .lyingSize ? bytes - 100 : bytes,
            created: m.created)
    }

    /// Then: the replica did not start from a snapshot, said why, left no file behind, and
    /// holds the server's state, pulled from the log.
    static func expectLogPulledInstead(
        _ result: (report: SyncSession.Report, warnings: [String]), warning: String, _ replica: LocalReplica,
        in folder: TemporaryFolder, from server: InProcessServer
    ) async throws {
        #expect(result.report.snapshot == nil)
        #expect(result.warnings.contains { $0.contains(warning) }, "\(result.warnings)")
        #expect(try replica.snapshotOrigin() == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".snapshot-") }.isEmpty)
        let token = try #require(try replica.remote()).token
        let expected = try await server.test { client in
            Array(try await client.execute(uri: "/v1/export", method: .get, headers: [.authorization: "Bearer \(token)"]).body.readableBytesView)
        }
        #expect(Array(try replica.snapshot().canonicalJSON()) == expected)
    }

    /// Given a server that sends a forged snapshot, when a new replica syncs, then the
    /// snapshot is refused with a warning before anything reads it, nothing of it is left
    /// on disk, and the replica pulls and verifies the log instead, ending with the server's state.
    @Test(arguments: Forgery.allCases)
    func aForgedSnapshotIsRefusedAndTheLogPulledInstead(_ forgery: Forgery) async throws {
        var random = SplitMix64(seed: 11)
        let server = try await Self.server(holding: try HostileHistory.changesets(random: &random))
        let genuine = try #require(await Self.maker(for: server).current())
        let crafted = server.scratch.path("crafted.sqlite")
        let manifest = try Self.forge(forgery, genuine, into: crafted)
        let folder = TemporaryFolder()
        let replica = try await Self.replica("reader", on: server, in: folder)
        let result = try await server.test(snapshots: CraftedSnapshot(manifest: manifest, path: crafted)) { client in
            try await Self.sync(replica, client: client)
        }
        try await Self.expectLogPulledInstead(result, warning: "snapshot was refused", replica, in: folder, from: server)
    }

    /// Given a server that announces a snapshot and then answers 404 for its file (another
    /// instance behind the same load balancer made it, or a newer one replaced it), when a
    /// new replica syncs, then the sync does not fail: it warns and pulls the log instead.
    @Test func aSnapshotGoneBeforeItsDownloadMeansPullingTheLog() async throws {
        var random = SplitMix64(seed: 13)
        let server = try await Self.server(holding: try HostileHistory.changesets(random: &random))
        let genuine = try #require(await Self.maker(for: server).current())
        let folder = TemporaryFolder()
        let replica = try await Self.replica("reader", on: server, in: folder)
        let result = try await server.test(snapshots: CraftedSnapshot(manifest: genuine.manifest, path: nil)) { client in
            try await Self.sync(replica, client: client)
        }
        try await Self.expectLogPulledInstead(result, warning: "no longer has the snapshot", replica, in: folder, from: server)
    }

    /// Given another process with the replica open (here, a second connection of this one),
    /// when the replica syncs, then it does not replace the file under it: it pulls the log.
    @Test func aReplicaOpenElsewhereIsNotReplaced() async throws {
        var random = SplitMix64(seed: 3)
        let server = try await Self.server(holding: try HostileHistory.changesets(random: &random))
        let maker = try await Self.maker(for: server)
        let folder = TemporaryFolder()
        let replica = try await Self.replica("reader", on: server, in: folder)
        let elsewhere = try LocalReplica.open(at: replica.path)
        let result = try await server.test(snapshots: maker) { client in
            try await Self.sync(replica, client: client)
        }
        #expect(result.report.snapshot == nil)
        #expect(result.warnings.contains { $0.contains("has the replica open") }, "\(result.warnings)")
        #expect(try elsewhere.snapshot().canonicalJSON() == replica.snapshot().canonicalJSON())
        try elsewhere.close()
    }

    /// Given a replica holding work of its own that the server does not have yet, when it
    /// syncs, then it does not start from the snapshot (the work would be lost): it pushes
    /// and pulls as usual.
    @Test func aReplicaWithWorkTheSnapshotLacksKeepsIt() async throws {
        var random = SplitMix64(seed: 5)
        let server = try await Self.server(holding: try HostileHistory.changesets(random: &random))
        let maker = try await Self.maker(for: server)
        let folder = TemporaryFolder()
        let alice = try await Self.replica("alice", role: .curator, on: server, in: folder)
        let file = folder.path("003_e7379399b3230908.txt")
        try "Talks\n\nA text.".write(toFile: file, atomically: true, encoding: .utf8)
        _ = try alice.importArticles(from: [try ArticleFile(path: file)])
        let result = try await server.test(snapshots: maker) { client in
            try await Self.sync(alice, client: client)
        }
        #expect(result.report.snapshot == nil)
        #expect(result.warnings.contains { $0.contains("lacks") }, "\(result.warnings)")
        #expect(result.report.pushed == 1)
        #expect(try alice.articles().contains { $0.id == "003_e7379399b3230908" })
    }
}

/// Warnings a session gave, gathered across threads.
final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ warning: String) { lock.withLock { list.append(warning) } }
    var all: [String] { lock.withLock { list } }
}
