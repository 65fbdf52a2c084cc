import NIOConcurrencyHelpers
import NIOCore

/// The server's open connections and what each is doing, shared by every event loop: it
/// caps their number and, at the cap, makes room by closing the connection that has waited
/// longest for a request (an idle or silent socket), so that clients that talk are served
/// whatever number of silent sockets are open.
final class ConnectionTable: @unchecked Sendable {
    /// Where a connection is in its current request.
    enum Phase: Sendable {
        /// Between requests: nothing received since the last response.
        case idle
        /// Some bytes of a request head received, not all of it.
        case header
        /// The head received, the body not yet whole.
        case body
        /// The request received, its response not yet written.
        case responding

        /// Whether the connection may be closed to make room for a new one.
        var waitingForClient: Bool { self == .idle || self == .header }
    }

    private struct Entry {
        let channel: any Channel
        var phase: Phase
        var since: NIODeadline
    }

    /// The most connections open at once.
    let limit: Int
    private let lock = NIOLock()
    private var entries: [ObjectIdentifier: Entry] = [:]

    /// Told the number of open connections after each change, and whether one was evicted.
    private let changed: @Sendable (_ open: Int, _ evicted: Bool) -> Void

    init(limit: Int, changed: @escaping @Sendable (_ open: Int, _ evicted: Bool) -> Void = { _, _ in }) {
        self.limit = max(1, limit)
        self.changed = changed
    }

    /// Admits a new connection, closing the one that has waited longest for its client when
    /// the table is full.
    /// - Returns: false when the table is full of connections busy with a request: the new
    ///   one must be turned away.
    func admit(_ channel: any Channel) -> Bool {
        var victim: (any Channel)?
        var open = 0
        let admitted = lock.withLock { () -> Bool in
            if entries.count >= limit {
                guard let oldest = entries.filter({ $0.value.phase.waitingForClient }).min(by: { $0.value.since < $1.value.since })
                else { return false }
                entries[oldest.key] = nil
                victim = oldest.value.channel
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, phase: .idle, since: .now())
            open = entries.count
            return true
        }
        victim?.close(promise: nil)
        if admitted { changed(open, victim != nil) }
        return admitted
    }

    /// Records that `channel` entered `phase`.
    func update(_ channel: any Channel, to phase: Phase) {
        lock.withLock {
            entries[ObjectIdentifier(channel)]?.phase = phase
            entries[ObjectIdentifier(channel)]?.since = .now()
        }
    }

    /// Forgets a closed connection.
    func remove(_ channel: any Channel) {
        let open = lock.withLock { () -> Int? in
            guard entries.removeValue(forKey: ObjectIdentifier(channel)) != nil else { return nil }
            return entries.count
        }
        if let open { changed(open, false) }
    }
}
