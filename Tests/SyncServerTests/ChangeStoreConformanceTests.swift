import Foundation
import NIOCore
import SyncCore
import SyncServer
import Testing

/// The behaviour every ``ChangeStore`` must have, run against each real store.
@Suite(.timeLimit(.minutes(10)))
struct ChangeStoreConformanceTests {
    static func encoded(_ changesets: [Changeset]) -> [EncodedChangeset] { changesets.map(EncodedChangeset.init) }

    /// Every operation a pull from `cursor` returns, until caught up.
    static func pullAll(_ store: any ChangeStore, after cursor: Int64 = 0, limit: Int = 7) async throws -> [StoredOperation] {
        var cursor = cursor
        var operations: [StoredOperation] = []
        while true {
            let page = try await store.pull(after: cursor, limit: limit)
            operations += page.operations
            cursor = page.cursor
            if !page.more { return operations }
        }
    }

    /// The store's merged view as `GET /v1/export` writes it.
    static func export(_ store: any ChangeStore, chunkBytes: Int = 64 * 1024) async throws -> Data {
        let collected = Collected()
        try await store.viewExport(chunkBytes: chunkBytes) { chunk in await collected.add([String(buffer: chunk)]) }
        return Data(await collected.values.joined().utf8)
    }

    @Test(arguments: StoreKind.available)
    func pushIsIdempotentAndTheLogHasNoGaps(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { store in
            let changesets = Self.encoded(ServerFixture.changesets(by: "alice", count: 6, perChangeset: 2))
            let first = try await store.push(Array(changesets.prefix(4)), by: "alice")
            #expect(first == SyncProtocol.PushOutcome(accepted: 8, duplicates: 0, head: 8))
            // A retry that overlaps what is held stores only what is new, without gaps.
            let second = try await store.push(changesets, by: "alice")
            #expect(second == SyncProtocol.PushOutcome(accepted: 4, duplicates: 8, head: 12))
            let log = try await Self.pullAll(store)
            #expect(log.map(\.seq) == Array(1...12))
            #expect(log.map(\.payload) == changesets.flatMap { $0.operations.map(\.payload) })
        }
    }

    @Test(arguments: StoreKind.available, [1, 2, 5, 100])
    func pagesNeverSplitAChangesetAndMissNothing(_ kind: StoreKind, limit: Int) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { store in
            // Changesets of 1 to 4 operations, from two authors.
            var changesets: [Changeset] = []
            for index in 0..<12 {
                let author = index % 2 == 0 ? "alice" : "bob"
                changesets += ServerFixture.changesets(
                    by: author, replica: author, count: 1, start: ServerFixture.now - 60_000 + UInt64(index * 10), perChangeset: index % 4 + 1)
            }
            _ = try await store.push(Self.encoded(changesets), by: "alice")
            var cursor: Int64 = 0
            var received: [StoredOperation] = []
            while true {
                let page = try await store.pull(after: cursor, limit: limit)
                // Whole changesets only: a page ends where the next operation starts another one.
                if page.more, let last = page.operations.last {
                    let next = try await store.pull(after: last.seq, limit: 1)
                    #expect(next.operations.first?.changeset != last.changeset)
                }
                received += page.operations
                cursor = page.cursor
                if !page.more { break }
            }
            #expect(received.map(\.seq) == Array(1...Int64(received.count)))
            #expect(received.count == changesets.reduce(0) { $0 + $1.operations.count })
        }
    }

    @Test(arguments: StoreKind.available, [1_000, 2_500, 20_000])
    func pagesAreBoundedInBytesAndMissNothing(_ kind: StoreKind, maxBytes: Int) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { store in
            // Given changesets of 1 to 5 operations of some 200 bytes each
            var changesets: [Changeset] = []
            for index in 0..<20 {
                changesets += ServerFixture.changesets(
                    by: "alice", replica: "b\(index)", count: 1, start: ServerFixture.now - 60_000 + UInt64(index * 10),
                    perChangeset: index % 5 + 1, tag: String(repeating: "long-tag-", count: 6))
            }
            _ = try await store.push(Self.encoded(changesets), by: "alice")
            // When the log is pulled with a large operation limit and a byte bound
            var cursor: Int64 = 0
            var received: [StoredOperation] = []
            while true {
                let page = try await store.pull(after: cursor, limit: 10_000, maxBytes: maxBytes)
                let groups = Set(page.operations.map(\.changeset))
                // Then a page holds at most maxBytes, unless it is one changeset alone
                let bytes = page.operations.reduce(0) { $0 + PullPageBuilder.size(of: $1) }
                    + groups.count * PullPageBuilder.changesetOverhead
                #expect(bytes <= maxBytes || groups.count == 1, "\(bytes) bytes in \(groups.count) changesets")
                #expect(!page.operations.isEmpty)
                // And it ends where a changeset ends
                if page.more, let last = page.operations.last {
                    let next = try await store.pull(after: last.seq, limit: 1)
                    #expect(next.operations.first?.changeset != last.changeset)
                }
                received += page.operations
                cursor = page.cursor
                if !page.more { break }
            }
            // And every operation arrives once, in order
            #expect(received.map(\.seq) == Array(1...Int64(received.count)))
            #expect(received.count == changesets.reduce(0) { $0 + $1.operations.count })
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentPushesAreEachStoredOnceInOneGaplessOrder(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { store in
            // 16 writers, each pushing 10 changesets one at a time, some of them twice.
            let writers = (0..<16).map { writer in
                ServerFixture.changesets(by: "alice", replica: "w\(writer)", count: 10, perChangeset: writer % 3 + 1)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for changesets in writers {
                    group.addTask {
                        for (index, changeset) in changesets.enumerated() {
                            _ = try await store.push(Self.encoded([changeset]), by: "alice")
                            if index % 4 == 0 { _ = try await store.push(Self.encoded([changeset]), by: "alice") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let log = try await Self.pullAll(store, limit: 50)
            let expected = writers.flatMap { $0.flatMap { $0.operations.map { $0.timestamp.description } } }
            #expect(log.map(\.seq) == Array(1...Int64(expected.count)))
            let hlcs = try log.map { try WireFormat.decodeOperation($0.payload).timestamp.description }
            #expect(Set(hlcs) == Set(expected))
            #expect(hlcs.count == expected.count)
        }
    }

    @Test(arguments: StoreKind.available)
    func usersAreFoundByTokenHashAndRevocationIsImmediate(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { store in
            try await store.putUser(ServerUser(name: "dana", role: .annotator), tokenHash: "h1")
            #expect(try await store.user(tokenHash: "h1") == ServerUser(name: "dana", role: .annotator))
            #expect(try await store.user(tokenHash: "nope") == nil)
            #expect(try await store.revokeUser(named: "dana"))
            #expect(try await store.revokeUser(named: "nobody") == false)
            #expect(try await store.user(tokenHash: "h1") == nil)
            #expect(try await store.users() == [ServerUser(name: "dana", role: .annotator, revoked: true)])
            // Adding the user again issues a new token, sets the role and lifts the revocation.
            try await store.putUser(ServerUser(name: "dana", role: .admin), tokenHash: "h2")
            #expect(try await store.user(tokenHash: "h1") == nil)
            #expect(try await store.user(tokenHash: "h2") == ServerUser(name: "dana", role: .admin))
        }
    }

    @Test(arguments: StoreKind.available)
    func theMergedViewEqualsTheReferenceMerge(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { store in
            let changesets = ServerFixture.changesets(by: "alice", count: 30, perChangeset: 2)
            _ = try await store.push(Self.encoded(changesets), by: "alice")
            var reference = CorpusState()
            for changeset in changesets { _ = reference.apply(changeset) }
            let view = MergedView(store: store)
            try await view.catchUp()
            #expect(try await Self.export(store) == reference.snapshot().canonicalJSON())
            // It follows the log: a later push shows once it has caught up again.
            let later = ServerFixture.changesets(by: "bob", replica: "b", count: 3, start: ServerFixture.now)
            _ = try await store.push(Self.encoded(later), by: "bob")
            for changeset in later { _ = reference.apply(changeset) }
            try await view.catchUp()
            #expect(try await Self.export(store) == reference.snapshot().canonicalJSON())
        }
    }

    /// Given a view that followed the log, when the store is opened anew (a restart), then the
    /// view is where it was: nothing is replayed, and it answers the same.
    @Test(arguments: StoreKind.available)
    func theViewSurvivesARestartWithoutReplaying(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        let before = try await store.withInstance { instance in
            _ = try await instance.push(Self.encoded(ServerFixture.changesets(by: "alice", count: 20, perChangeset: 3)), by: "alice")
            try await MergedView(store: instance).catchUp()
            return (try await instance.viewCursor(), try await Self.export(instance))
        }
        #expect(before.0 == 60)
        let reopened = try store.reopened()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in reopened.services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            try await reopened.prepare()
            #expect(try await reopened.viewCursor() == before.0)
            #expect(try await Self.export(reopened) == before.1)
        }
    }

    @Test(arguments: StoreKind.available)
    func migrationsAreAppliedOnceEvenWhenInstancesStartTogether(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        // Four instances prepare the same empty database at once; all succeed and share one log.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    // A long call deadline: four instances migrating at once wait for each
                    // other, and the end-to-end suites may hold this process's threads meanwhile.
                    try await store.withInstance(callTimeout: .seconds(120)) { instance in
                        _ = try await instance.push(Self.encoded(ServerFixture.changesets(by: "alice", replica: "i\(index)", count: 1)), by: "alice")
                    }
                }
            }
            try await group.waitForAll()
        }
        let log = try await store.withInstance { try await Self.pullAll($0) }
        #expect(log.count == 4)
    }
}
