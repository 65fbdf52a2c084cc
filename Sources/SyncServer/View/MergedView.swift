import Foundation
import SyncCore

/// The server's merged view of the corpus, kept in the store's own tables
/// (``MergedViewStore``) and read by the read endpoints.
///
/// It follows the log by sequence number, like any client pulling, a step at a time: for
/// each operation it records which pieces of the corpus it is about (``CorpusEntity``),
/// resolves those pieces again from all of their operations with SyncCore's reference
/// merge, places the codebook again when a code was named or renamed, and writes the
/// result with its new cursor in one transaction. So a restart replays nothing, the
/// server's memory does not grow with the corpus, and every instance sharing a PostgreSQL
/// store reads the same view, which any of them may move on. A push nudges it
/// (``nudge()``); a read first brings it up to the end of the log (``catchUp(within:)``).
public actor MergedView {
    let store: any ChangeStore
    /// The most operations one step takes.
    let stepOperations: Int
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var following: Task<Void, Never>?
    private var nudged = false

    public init(store: any ChangeStore, stepOperations: Int = 2000) {
        self.store = store
        self.stepOperations = stepOperations
    }

    /// Brings the view up to the end of the log as it is now: after this returns, reads see
    /// every operation acknowledged before it was called.
    /// - Parameter limit: how long to wait for a view far behind (after an upgrade, or a
    ///   restore); past it, the steps made so far are kept and the caller gets a 503
    ///   `view_behind`. `nil`: no limit.
    public func catchUp(within limit: Duration? = nil) async throws {
        try await follow(within: limit, waitingForOthers: true)
    }

    /// Steps until caught up. When another instance is writing a step, waits for it
    /// (`waitingForOthers`: a read needs the view current) or leaves the work to it.
    private func follow(within limit: Duration?, waitingForOthers: Bool) async throws {
        let deadline = limit.map { ContinuousClock.now + $0 }
        await acquire()
        defer { release() }
        while true {
            switch try await step() {
            case .caughtUp: return
            case .written: break
            case .busy:
                guard waitingForOthers else { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            if let deadline, ContinuousClock.now > deadline, try await !isCaughtUp() {
                throw SyncServerError(
                    .serviceUnavailable, code: "view_behind",
                    "the server's merged view is still catching up with its log (an upgrade or a restore); retry shortly",
                    retryAfter: 5)
            }
        }
    }

    /// Asks the view to follow the log soon, without waiting (after a push). Nudges that
    /// arrive while it is following are folded into one more round.
    public nonisolated func nudge() {
        Task { await self.follow() }
    }

    private func follow() {
        nudged = true
        guard following == nil else { return }
        following = Task {
            // Pushes that come close together are followed in one step.
            try? await Task.sleep(for: .milliseconds(50))
            while self.takeNudge() {
                // A store that cannot be reached now is tried again by the next push or read;
                // a step another instance is writing is left to it.
                try? await self.follow(within: nil, waitingForOthers: false)
            }
        }
    }

    private func takeNudge() -> Bool {
        guard nudged else {
            following = nil
            return false
        }
        nudged = false
        return true
    }

    /// Whether the view holds the whole log.
    private func isCaughtUp() async throws -> Bool {
        let cursor = try await store.viewCursor()
        return try await store.pull(after: cursor, limit: 1, maxBytes: 1).operations.isEmpty
    }

    /// One step.
    func step() async throws -> MergedViewWrite {
        let store = store
        let stepOperations = stepOperations
        return try await store.viewStep { cursor -> (changes: ViewChanges, cursor: Int64)? in
            let page = try await store.pull(after: cursor, limit: stepOperations, maxBytes: 16 * 1024 * 1024)
            guard !page.operations.isEmpty else { return nil }
            // The log holds only operations that were validated when pushed.
            let operations = try page.operations.map { (seq: $0.seq, operation: try WireFormat.decodeOperation($0.payload)) }
            var update = ViewUpdate(operations)
            let history = try await store.viewOperations(about: Array(update.entities.keys))
            update.resolve(history: try history.mapValues { try $0.map { try WireFormat.decodeOperation($0) } })
            let candidates = update.codeCandidates
            if !candidates.isEmpty {
                let replace = update.updateCodes(stored: try await store.viewCodes(Array(candidates)))
                if !replace.isEmpty { update.placeCodes(replace, all: try await store.viewCodes(nil)) }
            }
            return (update.changes, page.cursor)
        }
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
