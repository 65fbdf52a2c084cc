import Foundation
import Logging
import SeededRandom
import SyncCore
@testable import SyncServer
import TestSupport
import Testing

/// The newest stretch of the log kept in memory for pulls (``LogTail``): its pages are the
/// store's, it sees every push acknowledged before a pull (through another instance too),
/// it reads each batch of news from the store once, and it keeps to its budget. Run on each
/// real store.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct LogTailTests {
    static func seeds(defaultCount: Int) -> [UInt64] {
        PropertySeeds.seeds(defaultCount: defaultCount, stride: 0xD1B5_4A32_D192_ED03, offset: 11)
    }

    @Test(arguments: seeds(defaultCount: 60))
    func onSQLiteATailPageIsTheStorePage(seed: UInt64) async throws {
        try await Self.pagesAgree(.sqlite, seed: seed)
    }

    @Test(.enabled(if: TestDatabase.adminURL != nil, "needs SYNCD_TEST_POSTGRES_URL"), arguments: seeds(defaultCount: 15))
    func onPostgresATailPageIsTheStorePage(seed: UInt64) async throws {
        try await Self.pagesAgree(.postgres, seed: seed)
    }

    /// Property: given a log pushed in random changesets (on PostgreSQL with numbers left
    /// unused by pushes that died), when clients pull at random cursors, limits and byte
    /// caps through a tail of random budget, then each page is the store's page for the same
    /// request (or, when the tail reads the store a few operations at a time, following its
    /// pages gives what following the store's gives).
    static func pagesAgree(_ kind: StoreKind, seed: UInt64) async throws {
        var setup = SplitMix64(seed: seed)
        let budget = [600, 2_000, 9_000, 1 << 20].randomElement(using: &setup)!
        let smallReads = Bool.random(using: &setup)
        let steps = Int.random(in: 20...50, using: &setup)
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { instance in
            let tail = LogTail(
                store: instance, budget: budget, readLimit: smallReads ? 3 : 5_000, readBytes: smallReads ? 1_500 : 8 << 20)
            var random = SplitMix64(seed: seed &+ 1)
            var replicas = 0
            var cursors: [Int64] = [0]
            for _ in 0..<steps {
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4:
                    var changesets: [Changeset] = []
                    for _ in 0..<Int.random(in: 1...3, using: &random) {
                        replicas += 1
                        let words = String(repeating: "w", count: Int.random(in: 1...55, using: &random))
                        changesets += ServerFixture.changesets(
                            by: "alice", replica: "r\(replicas)", count: 1, perChangeset: Int.random(in: 1...4, using: &random),
                            tag: "t\(words)")
                    }
                    _ = try await instance.push(changesets.map(EncodedChangeset.init), by: "alice")
                case 4 where kind == .postgres:
                    // A push that reserved numbers and died: they stay unused for good.
                    let postgres = try #require(instance as? PostgresChangeStore)
                    _ = try await PostgresChangeStore.reserve(
                        Int64.random(in: 1...3, using: &random), token: 42, client: postgres.client, logger: Logger(label: "test"))
                default:
                    let head = try await ChangeStoreConformanceTests.pullAll(instance).last?.seq ?? 0
                    let cursor =
                        Bool.random(using: &random) ? cursors.randomElement(using: &random)! : Int64.random(in: 0...head + 2, using: &random)
                    let limit = Int.random(in: 1...12, using: &random)
                    let maxBytes = [700, 2_500, 6_000, Int.max].randomElement(using: &random)!
                    let fromTail = try await tail.pull(after: cursor, limit: limit, maxBytes: maxBytes)
                    let fromStore = try await instance.pull(after: cursor, limit: limit, maxBytes: maxBytes)
                    if smallReads {
                        let followed = try await Self.follow(after: cursor, limit: limit, maxBytes: maxBytes) {
                            try await tail.pull(after: $0, limit: $1, maxBytes: $2)
                        }
                        let expected = try await Self.follow(after: cursor, limit: limit, maxBytes: maxBytes) {
                            try await instance.pull(after: $0, limit: $1, maxBytes: $2)
                        }
                        let same = followed == expected
                        #expect(same, "seed \(seed): \(followed.map(\.seq)) against \(expected.map(\.seq))")
                    } else {
                        let same = fromTail.operations == fromStore.operations
                        #expect(same, "seed \(seed): after \(cursor), \(fromTail.operations.map(\.seq)) against \(fromStore.operations.map(\.seq))")
                        #expect(fromTail.cursor == fromStore.cursor, "seed \(seed)")
                        #expect(fromTail.more == fromStore.more, "seed \(seed)")
                    }
                    let heldHere = try await tail.operationID(at: cursor)
                    #expect(heldHere == (try await instance.operationID(at: cursor)), "seed \(seed): the id at \(cursor)")
                    cursors.append(fromTail.cursor)
                }
            }
            // A client at the end of the log is answered from the tail, which keeps to its budget.
            let head = try await ChangeStoreConformanceTests.pullAll(instance).last?.seq ?? 0
            _ = try await tail.pull(after: head, limit: 10, maxBytes: .max)
            _ = try await tail.pull(after: head, limit: 10, maxBytes: .max)
            #expect(await tail.statistics.answered > 0, "seed \(seed)")
            #expect(await tail.held.bytes <= budget, "seed \(seed)")
        }
    }

    /// The operations of following pages from `cursor` until one says nothing more follows.
    static func follow(
        after cursor: Int64, limit: Int, maxBytes: Int, _ pull: (Int64, Int, Int) async throws -> PullPage
    ) async throws -> [StoredOperation] {
        var cursor = cursor
        var operations: [StoredOperation] = []
        while true {
            let page = try await pull(cursor, limit, maxBytes)
            operations += page.operations
            #expect(page.cursor >= cursor)
            if !page.more { return operations }
            cursor = page.cursor
        }
    }

    /// A tail over `store` after `changesets` changesets of two operations were pushed and
    /// pulled through it: it holds nothing and stands at the end of the log, `start`.
    static func tailAtTheEnd(of store: any ChangeStore, changesets: Int) async throws -> (tail: LogTail, start: PullPage) {
        let tail = LogTail(store: store)
        _ = try await store.push(
            ServerFixture.changesets(by: "alice", replica: "a", count: changesets, perChangeset: 2).map(EncodedChangeset.init), by: "alice")
        let start = try await tail.pull(after: 0, limit: 100, maxBytes: .max)
        #expect(start.cursor == Int64(changesets * 2) && !start.more)
        return (tail, start)
    }

    /// Given eight clients at the end of the log, when 100 operations are pushed and each
    /// client pulls, then every client gets all 100 and the store was read for them once.
    @Test(arguments: StoreKind.available)
    func clientsAtTheEndReadEachBatchOfNewsFromTheStoreOnce(_ kind: StoreKind) async throws {
        let store = try await TestStore(kind)
        defer { store.remove() }
        try await store.withInstance { instance in
            let (tail, start) = try await Self.tailAtTheEnd(of: instance, changesets: 5)
            let news = ServerFixture.changesets(by: "alice", replica: "b", count: 25, start: ServerFixture.now - 30_000, perChangeset: 4)
            _ = try await instance.push(news.map(EncodedChangeset.init), by: "alice")
            let before = await tail.statistics
            for _ in 0..<8 {
                let page = try await tail.pull(after: start.cursor, limit: 1_000, maxBytes: .max)
                #expect(page.operations.map(\.payload) == news.flatMap { $0.operations.map(\.canonicalJSON) })
                #expect(!page.more)
            }
            let after = await tail.statistics
            #expect(after.answered - before.answered == 8)
            #expect(after.operationsRead - before.operationsRead == 100, "the store was read for the news more than once")
        }
    }

    /// Given a read of the store under way that began before a push committed, when a pull
    /// arrives after the push was acknowledged, then it is not answered from that read but
    /// from the next, and finds the push. (The case the stress test below finds by chance.)
    @Test(arguments: StoreKind.available)
    func aPullDoesNotShareAReadThatBeganBeforeIt(_ kind: StoreKind) async throws {
        let database = try await TestStore(kind)
        defer { database.remove() }
        try await database.withInstance { store in
            let (tail, start) = try await Self.tailAtTheEnd(of: store, changesets: 2)
            // A pull whose read of the store has run, and stops before keeping its page,
            let gate = Gate()
            let early = Task {
                try await LogTail.$afterStoreRead.withValue({ await gate.reached(); await gate.wait() }) {
                    try await tail.pull(after: start.cursor, limit: 100, maxBytes: .max)
                }
            }
            await gate.untilReached()
            // then a push acknowledged, and a pull that comes while that read is under way:
            let news = ServerFixture.changesets(by: "alice", replica: "b", count: 1, start: ServerFixture.now - 30_000, perChangeset: 3)
            _ = try await store.push(news.map(EncodedChangeset.init), by: "alice")
            let late = Task { try await tail.pull(after: start.cursor, limit: 100, maxBytes: .max) }
            while await tail.waitingPulls < 2 { try await Task.sleep(for: .milliseconds(5)) }
            await gate.open()
            let earlyPage = try await early.value
            let latePage = try await late.value
            #expect(earlyPage.operations.isEmpty, "the early pull's read began before the push")
            #expect(latePage.operations.map(\.changeset) == Array(repeating: news[0].id.rawValue, count: 3), "the late pull shared a read older than it")
        }
    }

    /// Given writers that take turns to push and then pull through a tail (on PostgreSQL, the
    /// tail of the other instance) while readers pull all the time, then every writer's pull
    /// finds what it pushed: no pull is answered from a read of the store that began before
    /// it. (Turns, because on PostgreSQL a push still in flight holds every reader below its
    /// numbers, from the store as from a tail (docs/protocol.md §15): a push acknowledged
    /// while an earlier-numbered one is in flight is not yet visible to anyone.)
    @Test(arguments: StoreKind.available)
    func aPullSeesEveryPushAcknowledgedBeforeIt(_ kind: StoreKind) async throws {
        let database = try await TestStore(kind)
        defer { database.remove() }
        try await database.withInstance { first in
            try await database.withInstance { second in
                // SQLite: one store, two tails; PostgreSQL: two instances, a tail each.
                let tails = [LogTail(store: first), LogTail(store: second)]
                let stop = StopFlag()
                let turn = Turn()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for reader in 0..<8 {
                        group.addTask {
                            var cursor: Int64 = 0
                            while await !stop.isSet {
                                let page = try await tails[reader % 2].pull(after: cursor, limit: 7, maxBytes: .max)
                                cursor = page.cursor
                            }
                        }
                    }
                    try await withThrowingTaskGroup(of: Void.self) { writers in
                        for writer in 0..<8 {
                            writers.addTask {
                                let instance = writer % 2 == 0 ? first : second
                                let tail = tails[1 - writer % 2]
                                var cursor: Int64 = 0
                                for round in 0..<32 {
                                    let changesets = ServerFixture.changesets(
                                        by: "alice", replica: "w\(writer)-\(round)", count: 1,
                                        start: ServerFixture.now - 50_000 + UInt64(writer * 1_000 + round * 10), perChangeset: 2)
                                    await turn.take()
                                    var seen: Set<String> = []
                                    do {
                                        let outcome = try await instance.push(changesets.map(EncodedChangeset.init), by: "alice")
                                        #expect(outcome.accepted == 2)
                                        while true {
                                            let page = try await tail.pull(after: cursor, limit: 5, maxBytes: .max)
                                            seen.formUnion(page.operations.map(\.changeset))
                                            cursor = page.cursor
                                            if !page.more { break }
                                        }
                                        await turn.give()
                                    } catch {
                                        await turn.give()
                                        throw error
                                    }
                                    #expect(seen.contains(changesets[0].id.rawValue), "writer \(writer) round \(round) did not see its push")
                                }
                            }
                        }
                        try await writers.waitForAll()
                    }
                    await stop.set()
                    try await group.waitForAll()
                }
                // And the whole log through either tail is the store's.
                let log = try await ChangeStoreConformanceTests.pullAll(first)
                #expect(log.count == 8 * 32 * 2)
                for tail in tails {
                    let followed = try await Self.follow(after: 0, limit: 9, maxBytes: .max) {
                        try await tail.pull(after: $0, limit: $1, maxBytes: $2)
                    }
                    let same = followed == log
                    #expect(same, "through a tail: \(followed.map(\.seq)) against \(log.map(\.seq))")
                }
            }
        }
    }
}

/// One task at a time: ``take()`` waits for its turn, ``give()`` passes it on.
actor Turn {
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func take() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty { taken = false } else { waiting.removeFirst().resume() }
    }
}

/// A flag tasks can set and read.
actor StopFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
