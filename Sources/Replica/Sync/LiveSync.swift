import Foundation
import SyncCore

/// Keeps a replica in sync until stopped (`annot sync --watch`): others' changes arrive
/// within a second of their push, local changes are pushed as they are made, and the sync
/// starts again, with backoff, after the server went away.
///
/// Three threads share the work; only one of them ever syncs:
/// - the syncing thread runs a whole ``SyncSession`` whenever one of the others wakes it, and
///   every ``resyncInterval`` in any case (which also finds a replaced server store);
/// - a listener asks the server for news with a long poll (`GET /v1/pull?wait=S`, one
///   operation past the replica's cursor) and wakes the syncing thread when there is some;
/// - a watcher looks at the replica every ``localPollInterval`` and wakes it when this
///   user has operations to push (made by any process: `annot tag` in another terminal).
///
/// After a failure the syncing thread waits (1 s, doubling up to 30 s, with jitter) whatever
/// wakes it, so that a server that is down is not hammered.
public final class LiveSync: @unchecked Sendable {
    /// What happened, for the person watching.
    public enum Event: Sendable {
        /// A sync ran to its end.
        case synced(SyncSession.Report)
        /// A sync failed; the next starts after `retryIn` seconds.
        case failed(String, retryIn: Double)
    }

    private let replica: LocalReplica
    private let makeTransport: () -> any SyncTransport
    private let configure: (inout SyncSession) -> Void
    private let signal = Signal()

    /// How long the listener's long poll asks the server to wait, in seconds.
    public var longPoll = 25
    /// How often the watcher looks for local changes to push.
    public var localPollInterval = 0.1
    /// A whole sync runs at least this often.
    public var resyncInterval = 60.0

    /// - Parameters:
    ///   - makeTransport: a new connection to the server; called twice, since the syncing
    ///     thread and the listener each keep one.
    ///   - configure: sets up each ``SyncSession`` (its progress and warning callbacks).
    public init(
        replica: LocalReplica, makeTransport: @escaping () -> any SyncTransport,
        configure: @escaping (inout SyncSession) -> Void = { _ in }
    ) {
        self.replica = replica
        self.makeTransport = makeTransport
        self.configure = configure
    }

    /// Syncs until ``stop()`` is called; `events` is called on the calling thread.
    /// - Throws: ``ReplicaError`` when the replica has no server set.
    public func run(events: (Event) -> Void) throws {
        guard try replica.remote() != nil else {
            throw ReplicaError.protocolViolation("no sync server set: use 'annot remote set URL --token TOKEN'")
        }
        var session = SyncSession(replica: replica, transport: makeTransport())
        configure(&session)
        // The listener's connection is used by its thread only.
        nonisolated(unsafe) let listener = makeTransport()
        Thread.detachNewThread { [self] in listen(with: listener) }
        Thread.detachNewThread { [self] in watchLocalChanges() }
        var backoff = Backoff()
        while !signal.stopped {
            do {
                let report = try session.run()
                backoff.reset()
                events(.synced(report))
                signal.wait(timeout: resyncInterval)
            } catch {
                let delay = backoff.next()
                events(.failed("\(error)", retryIn: delay))
                signal.sleep(delay)
            }
        }
    }

    /// Ends ``run(events:)`` once the sync running, if any, is done.
    public func stop() { signal.stop() }

    /// The listener: a long poll for operations past the replica's cursor.
    private func listen(with transport: any SyncTransport) {
        var backoff = Backoff()
        while !signal.stopped {
            let started = Date()
            do {
                let cursor = try replica.remote()?.pullCursor ?? 0
                let page = try SyncProtocol.PullPage(
                    decoding: try transport.send(method: "GET", path: "/v1/pull?after=\(cursor)&limit=1&wait=\(longPoll)", body: nil))
                backoff.reset()
                if page.operations > 0 {
                    signal.wake()
                    // The syncing thread moves the cursor on; until it has, this would only
                    // hear the same news again.
                    signal.sleep(0.05)
                } else if Date().timeIntervalSince(started) < 1 {
                    // A server that does not wait (an older one) is asked once a second.
                    signal.sleep(1)
                }
            } catch {
                // The syncing thread finds the same failure and says so.
                signal.sleep(backoff.next())
            }
        }
    }

    /// The watcher: wakes the syncing thread while this user has something to push.
    private func watchLocalChanges() {
        while !signal.stopped {
            if let pending = try? replica.pendingCount(), pending > 0 { signal.wake() }
            signal.sleep(localPollInterval)
        }
    }

    /// Retry delays after failures: 1 s, doubling to at most 30 s, each within ±20%.
    struct Backoff {
        private var failures = 0

        mutating func next() -> Double {
            defer { failures += 1 }
            return min(30, pow(2, Double(min(failures, 5)))) * Double.random(in: 0.8...1.2)
        }

        mutating func reset() { failures = 0 }
    }

    /// A wake-up call between the threads, and the stop flag.
    final class Signal: @unchecked Sendable {
        private let condition = NSCondition()
        private var woken = false
        private var isStopped = false

        var stopped: Bool {
            condition.lock()
            defer { condition.unlock() }
            return isStopped
        }

        func wake() {
            condition.lock()
            woken = true
            condition.broadcast()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            isStopped = true
            condition.broadcast()
            condition.unlock()
        }

        /// Waits until woken, stopped, or `timeout` seconds have passed; consumes the wake-up.
        func wait(timeout: Double) {
            let deadline = Date(timeIntervalSinceNow: timeout)
            condition.lock()
            while !woken && !isStopped && condition.wait(until: deadline) {}
            woken = false
            condition.unlock()
        }

        /// Waits `seconds`, or until stopped, whatever wakes it.
        func sleep(_ seconds: Double) {
            let deadline = Date(timeIntervalSinceNow: seconds)
            condition.lock()
            while !isStopped && condition.wait(until: deadline) {}
            condition.unlock()
        }
    }
}
