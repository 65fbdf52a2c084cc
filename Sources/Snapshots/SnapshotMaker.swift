import Foundation
import Logging
import Replica
import ServiceLifecycle
import SyncCore
import SyncServer

/// The server's snapshots (docs/protocol.md §16): a ``Replica/ReplicaMirror`` that follows
/// the store's log, and the snapshot files it publishes, which the router serves.
///
/// It runs beside the router as a service. After each push (``logGrew()``), and every
/// ``Policy/interval`` for what other instances sharing the store took, it applies what the
/// log gained to its mirror, with the code every replica applies with. Once it has caught up,
/// and the log has grown enough since the last snapshot (``Policy``), it publishes a new one
/// and keeps the one before it for downloads in progress. All of its SQLite work runs on a
/// thread of its own, never on the server's.
public actor SnapshotMaker: SnapshotProvider, Service {
    /// When to publish: the first as soon as the log is long enough; then a new one when the
    /// log has been quiet for a moment (so that a replica starting from it has nothing to
    /// pull) or, while it keeps growing, once it grew by a tenth; at most one a minute either
    /// way, since each copies the whole mirror.
    public struct Policy: Sendable {
        /// No snapshot of a log shorter than this: a new replica pulls it quickly.
        public var minimumOperations: Int64 = 10_000
        /// A snapshot once the log has taken nothing new for this long.
        public var quiet: Duration = .seconds(5)
        /// While the log keeps growing: a new snapshot once it grew by this fraction of the
        /// last one (and by ``minimumOperations``).
        public var growth = 0.1
        /// The least time between two snapshots.
        public var spacing: Duration = .seconds(60)
        /// How often to look at the store for what other instances took.
        public var interval: Duration = .seconds(2)

        public init() {}
    }

    let store: any ChangeStore
    let folder: String
    let policy: Policy
    let logger: Logger
    private let queue = DispatchQueue(label: "syncd.snapshots")
    private var mirror: ReplicaMirror?
    private var newest: (manifest: SyncProtocol.SnapshotManifest, path: String)?
    private var previous: (sha256: String, path: String)?
    /// Whether the log grew since the last round.
    private var woken = false
    /// Rounds that failed in a row: a failure that lasts is logged, once.
    private var failures = 0
    /// When the mirror last took operations, and when the last snapshot was made.
    private var grew = ContinuousClock.now
    private var published = ContinuousClock.now - .seconds(3600)

    /// A maker keeping its mirror and snapshots in `folder`.
    public init(store: any ChangeStore, folder: String, policy: Policy = Policy(), logger: Logger) {
        self.store = store
        self.folder = folder
        self.policy = policy
        self.logger = logger
    }

    // MARK: - SnapshotProvider

    public func current() -> (manifest: SyncProtocol.SnapshotManifest, path: String)? { newest }

    public func file(sha256: String) -> String? {
        if let newest, newest.manifest.sha256 == sha256 { return newest.path }
        if let previous, previous.sha256 == sha256 { return previous.path }
        return nil
    }

    public nonisolated func logGrew() { Task { await self.wakeUp() } }

    private func wakeUp() { woken = true }

    // MARK: - Service

    /// Opens the mirror, and the newest snapshot made before a restart.
    func prepare() async throws {
        let folder = folder
        try await blocking { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let mirror = try await blocking { try ReplicaMirror(path: (folder as NSString).appendingPathComponent("mirror.sqlite")) }
        self.mirror = mirror
        newest = try? await blocking { try Self.readCurrent(in: folder) }
    }

    public func run() async throws {
        do {
            try await prepare()
        } catch {
            logger.error("snapshots are off: the folder cannot be used", metadata: ["folder": "\(folder)", "error": "\(error)"])
            return
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            woken = false
            do {
                try await follow()
                try await publishIfDue()
                failures = 0
            } catch {
                // The store may be starting (its schema not there yet) or unreachable: try again
                // at the next round. A failure that lasts (a changeset in the store that no
                // longer verifies, a full disk) holds the snapshots where they are: say so, once.
                failures += 1
                if failures == 3 {
                    logger.warning("snapshots are not following the log", metadata: ["error": "\(String(reflecting: error))"])
                } else {
                    logger.debug("snapshots: \(String(reflecting: error))")
                }
            }
            // Until a push wakes it, or the interval passes (pushes other instances took).
            let deadline = ContinuousClock.now + policy.interval
            while !woken, ContinuousClock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Applies to the mirror what the log gained since its cursor.
    func follow() async throws {
        guard let mirror else { return }
        let identity = try await store.identity()
        var position = try await blocking { try mirror.position() }
        if let known = position.store, known != identity {
            // Another store (replaced, or restored): start over.
            try await blocking { try mirror.reset() }
            newest = nil
            previous = nil
            position = try await blocking { try mirror.position() }
        }
        var cursor = position.cursor
        var batch: [Changeset] = []
        var operations = 0
        var last: String?
        while true {
            let page = try await store.pull(after: cursor, limit: 5000, maxBytes: 16 * 1024 * 1024)
            for raw in page.changesets {
                let decoded = try raw.operations.map { try WireFormat.decodeOperation($0) }
                batch.append(try Changeset(decoded, key: try ReplicaKey(raw.key), signature: try ChangesetSignature(raw.signature)))
                operations += decoded.count
                last = decoded.last?.id.rawValue
            }
            cursor = page.cursor
            if operations >= 50_000 || !page.more {
                if !batch.isEmpty {
                    let (changesets, through, operation) = (batch, cursor, last)
                    try await blocking { try mirror.apply(changesets, through: through, operation: operation, store: identity) }
                    grew = ContinuousClock.now
                }
                batch = []
                operations = 0
            }
            if !page.more { return }
        }
    }

    /// Publishes a snapshot when one is due (``Policy``).
    func publishIfDue() async throws {
        guard let mirror else { return }
        let position = try await blocking { try mirror.position() }
        guard position.cursor >= policy.minimumOperations else { return }
        if let newest {
            let gap = position.cursor - newest.manifest.cursor
            guard gap > 0 else { return }
            let now = ContinuousClock.now
            let quiet = now - grew >= policy.quiet
            let grown = gap >= max(policy.minimumOperations, Int64(Double(newest.manifest.cursor) * policy.growth))
            guard (quiet || grown) && now - published >= policy.spacing else { return }
        }
        let folder = folder
        let started = ContinuousClock.now
        guard
            let made = try await blocking({ try mirror.publish(into: folder, now: Int64(Date().timeIntervalSince1970 * 1000)) })
        else { return }
        let older = previous
        previous = newest.map { ($0.manifest.sha256, $0.path) }
        newest = made
        published = ContinuousClock.now
        try await blocking {
            try Self.writeCurrent(made.manifest, in: folder)
            if let older, older.path != made.path { try? FileManager.default.removeItem(atPath: older.path) }
        }
        logger.info(
            "snapshot published",
            metadata: [
                "cursor": "\(made.manifest.cursor)", "bytes": "\(made.manifest.bytes)", "sha256": "\(made.manifest.sha256)",
                "seconds": "\(ContinuousClock.now - started)",
            ])
    }

    /// The newest snapshot's manifest, kept beside it so that a restarted server serves it at once.
    static func writeCurrent(_ manifest: SyncProtocol.SnapshotManifest, in folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("current.json")), options: .atomic)
    }

    static func readCurrent(in folder: String) throws -> (manifest: SyncProtocol.SnapshotManifest, path: String)? {
        let data = try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("current.json")))
        let manifest = try JSONDecoder().decode(SyncProtocol.SnapshotManifest.self, from: data)
        let path = (folder as NSString).appendingPathComponent("\(manifest.sha256).sqlite")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return (manifest, path)
    }

    /// Runs blocking work (SQLite, the file system) on the maker's own thread.
    private func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
