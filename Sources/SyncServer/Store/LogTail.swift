import SyncCore

/// The newest stretch of the log, kept in memory and shared by the pulls one instance
/// serves: clients pulling the same recent operations get them from here, and the store is
/// read once for each batch of news instead of once for each client.
///
/// What it holds is only ever what the store's own pull returned: every operation numbered
/// in `(start, end]`, where `end` is the cursor of a page the store gave. Every number up to
/// a store page's cursor is settled for good (below the commit watermark nothing can still
/// be committed, docs/protocol.md §15), so a page built from here is the page the store
/// would build from the same operations. A pull is answered only after a read of the store
/// that began after the pull did, so it sees what a pull straight from the store begun then
/// would: everything acknowledged before it (on this instance or another) but what a push
/// still in flight below it holds back (§15); the pulls that arrive while a read is under
/// way share the next one.
///
/// A pull behind the stretch (a replica catching up) goes to the store. The stretch keeps
/// at most `budget` bytes of operations, dropping the oldest first.
public actor LogTail {
    let store: any ChangeStore
    /// The most bytes of operations kept (as ``footprint(of:)`` counts them); 0 keeps none.
    public let budget: Int
    /// The most operations one read of the store takes, and the most bytes.
    let readLimit: Int
    let readBytes: Int

    /// The numbers held: every operation in `(start, end]`; `nil` until the first page read.
    private var start: Int64?
    private var end: Int64 = 0
    /// The operations in `(start, end]`, in order, from `operations[first]` on.
    private var operations: [StoredOperation] = []
    private var first = 0
    private var bytes = 0
    /// Whether the store had more after `end` at the last read (a read takes at most
    /// `readLimit` operations).
    private var moreAfterEnd = false

    /// What the stretch has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Pulls answered from the stretch.
        public var answered = 0
        /// Pulls sent to the store (behind the stretch, or none kept).
        public var passedThrough = 0
        /// Reads of the store for news, and the operations they brought.
        public var reads = 0
        public var operationsRead = 0
    }
    public private(set) var statistics = Statistics()

    /// What the stretch tells whoever watches it (the server's metrics).
    public enum Event: Sendable {
        /// A pull was answered from the stretch (`true`) or from the store.
        case answered(fromMemory: Bool)
        /// The stretch now holds this many bytes (``footprint(of:)``).
        case held(bytes: Int)
    }
    let observe: @Sendable (Event) -> Void

    /// Reads of the store begun, and who waits for which.
    private var readsBegun = 0
    private var reading = false
    private var waiters: [(read: Int, continuation: CheckedContinuation<Void, any Error>)] = []

    /// - Parameters:
    ///   - budget: the most bytes of operations kept (default 32 MiB).
    ///   - readLimit: the most operations one read of the store takes.
    ///   - readBytes: the most bytes one read of the store takes.
    ///   - observe: told of each pull answered and of what the stretch holds.
    public init(
        store: any ChangeStore, budget: Int = 32 * 1024 * 1024, readLimit: Int = 5_000, readBytes: Int = 8 * 1024 * 1024,
        observe: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        self.store = store
        self.observe = observe
        self.budget = budget
        self.readLimit = readLimit
        self.readBytes = readBytes
    }

    /// The page of the log after `cursor`, as ``ChangeStore/pull(after:limit:maxBytes:)``
    /// gives it.
    public func pull(after cursor: Int64, limit: Int, maxBytes: Int) async throws -> PullPage {
        guard budget > 0, let start, cursor >= start else { return try await readThrough(after: cursor, limit: limit, maxBytes: maxBytes) }
        try await readStoreAfterNow()
        // The stretch may have moved on (oldest dropped) while this pull waited.
        guard let held = self.start, cursor >= held, cursor <= end else {
            return try await readThrough(after: cursor, limit: limit, maxBytes: maxBytes)
        }
        statistics.answered += 1
        observe(.answered(fromMemory: true))
        var builder = PullPageBuilder(after: cursor, limit: limit, maxBytes: maxBytes)
        for index in firstIndex(after: cursor)..<operations.count {
            guard builder.offer(operations[index]) else { return builder.page() }
        }
        let page = builder.page()
        // The builder holds everything after the cursor that is known; whether more follows
        // is the store's word at the last read.
        return PullPage(operations: page.operations, cursor: page.cursor, more: page.more || moreAfterEnd)
    }

    /// The content id of the operation numbered `seq` (`GET /v1/pull?at=`), as
    /// ``ChangeStore/operationID(at:)`` gives it: from the stretch when it holds that number
    /// (every operation numbered in it is there, so none there means none in the store),
    /// else from the store.
    public func operationID(at seq: Int64) async throws -> String? {
        guard budget > 0, let start, seq > start, seq <= end else { return try await store.operationID(at: seq) }
        let index = firstIndex(after: seq - 1)
        guard index < operations.count, operations[index].seq == seq else { return nil }
        return OperationID(canonical: operations[index].payload).rawValue
    }

    /// A pull the stretch cannot answer, straight from the store. A page that reaches the
    /// end of the log starts the stretch when there is none yet.
    private func readThrough(after cursor: Int64, limit: Int, maxBytes: Int) async throws -> PullPage {
        statistics.passedThrough += 1
        observe(.answered(fromMemory: false))
        let page = try await store.pull(after: cursor, limit: limit, maxBytes: maxBytes)
        if budget > 0, start == nil, !page.more {
            start = page.cursor
            end = page.cursor
        }
        return page
    }

    /// Returns once a read of the store that began after this call has finished.
    private func readStoreAfterNow() async throws {
        // A read under way may have begun before this pull: wait for the one after it.
        let needed = readsBegun + 1
        try await withCheckedThrowingContinuation { continuation in
            waiters.append((needed, continuation))
            if !reading {
                reading = true
                Task { await self.readWhileWaited() }
            }
        }
    }

    /// Reads the store until nobody waits for a newer read.
    private func readWhileWaited() async {
        while !waiters.isEmpty {
            readsBegun += 1
            let number = readsBegun
            let result: Result<Void, any Error>
            do {
                try await readStore()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            var still: [(read: Int, continuation: CheckedContinuation<Void, any Error>)] = []
            for waiter in waiters {
                if waiter.read <= number { waiter.continuation.resume(with: result) } else { still.append(waiter) }
            }
            waiters = still
        }
        reading = false
    }

    /// Runs after each read of the store and before its page is kept, for tests that hold a
    /// read in flight; `nil` (no hook) everywhere else. The reads inherit it from the pull
    /// that started them.
    @TaskLocal static var afterStoreRead: (@Sendable () async -> Void)?

    /// How many pulls wait for a read of the store, for tests.
    var waitingPulls: Int { waiters.count }

    /// Reads what the store has after `end`, one page.
    private func readStore() async throws {
        let page = try await store.pull(after: end, limit: readLimit, maxBytes: readBytes)
        if let hook = Self.afterStoreRead { await hook() }
        statistics.reads += 1
        statistics.operationsRead += page.operations.count
        // Only one read at a time runs (``readWhileWaited()``): `end` is still the cursor it
        // read after.
        for operation in page.operations {
            operations.append(operation)
            bytes += Self.footprint(of: operation)
        }
        end = page.cursor
        moreAfterEnd = page.more
        dropOldest()
        observe(.held(bytes: bytes))
    }

    /// Drops the oldest operations, a whole changeset at a time, while over the budget.
    private func dropOldest() {
        while bytes > budget, first < operations.count {
            let changeset = operations[first].changeset
            while first < operations.count, operations[first].changeset == changeset {
                bytes -= Self.footprint(of: operations[first])
                start = operations[first].seq
                first += 1
            }
        }
        // Compact now and then, so the array does not keep what was dropped.
        if first > 4096, first * 2 > operations.count {
            operations.removeFirst(first)
            first = 0
        }
    }

    /// What one operation held costs: its text and that of its changeset's id, key and
    /// signature (each operation holds its own copies), and the rest of its record.
    static func footprint(of operation: StoredOperation) -> Int {
        operation.payload.utf8.count + operation.changeset.utf8.count + operation.key.utf8.count
            + operation.signature.utf8.count + 64
    }

    /// The index of the first operation held numbered after `cursor`.
    private func firstIndex(after cursor: Int64) -> Int {
        var low = first
        var high = operations.count
        while low < high {
            let middle = (low + high) / 2
            if operations[middle].seq <= cursor { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// What is held, for tests: the numbers `(start, end]` and how many operations.
    var held: (start: Int64?, end: Int64, operations: Int, bytes: Int) {
        (start, end, operations.count - first, bytes)
    }
}
