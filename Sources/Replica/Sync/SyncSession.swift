import Foundation
import SyncCore

/// One sync of a replica with its server (`annot sync`): claim the replica's key, read the
/// key directory, push this user's pending changesets, then pull until caught up, starting
/// over when the server turns out to be another store or a restored backup.
///
/// Safe to interrupt and to repeat: each pushed batch and each group of pulled pages is
/// recorded as it completes, and pushing and applying are idempotent.
public struct SyncSession {
    /// What a sync did.
    public struct Report: Sendable, Codable {
        public var pushed = 0
        public var alreadyOnServer = 0
        public var received = 0
        public var duplicates = 0
        /// Changesets received but held back (see `annot status`).
        public var held = 0
        /// This user's changesets the server refused for good in this sync (see `annot status`).
        public var refused = 0
        /// Whether the server's log was not the one this replica last followed.
        public var startedOver = false
        /// Whether work pushed earlier had to be pushed again (the server had lost it).
        public var pushedAgain = false
        public var server = ""
        /// The snapshot the replica started from in this sync, if it did.
        public var snapshot: SnapshotSummary?
    }

    /// A snapshot a sync started the replica from, and how long each step took.
    public struct SnapshotSummary: Sendable, Codable {
        public let cursor: Int64
        public let operations: Int64
        public let bytes: Int64
        public let sha256: String
        /// Seconds to receive the file, to check it, and to put it in the replica's place.
        public let received: Double
        public let checked: Double
        public let placed: Double
    }

    let replica: LocalReplica
    let transport: any SyncTransport
    /// Operations per push request.
    public var pushBatch = 2000
    /// Operations per pull request.
    public var pullPageSize = 5000
    /// Called with the number of operations received so far, after each page but the last.
    public var progress: (Int) -> Void = { _ in }
    /// Called with each warning a person should see (a key the server binds to someone
    /// else than this replica knows).
    public var warning: (String) -> Void = { _ in }

    /// Whether a replica far behind may start from the server's snapshot (docs/protocol.md §16).
    public var snapshots = true
    /// How many operations a replica must be behind a snapshot to start from it rather than
    /// pull them.
    public var snapshotGap: Int64 = 20_000
    /// Called as a snapshot arrives, with the bytes received and the snapshot's size.
    public var snapshotProgress: (Int64, Int64) -> Void = { _, _ in }

    /// Called when the sync starts over: with `false` when the server's log is not the one
    /// the cursors came from, with `true` when it lost work pushed earlier (either way, a
    /// restored backup or a replaced store).
    public var startingOver: (_ lostWork: Bool) -> Void = { _ in }

    /// Pull pages applied in one transaction: every commit writes out each index page its
    /// operations touched, so one commit per page made a long catch-up slower (a fresh pull
    /// of 100,000 operations: 8.9-9.3 s against 6.6-7.0 s, BENCHMARKS.md).
    static let pagesPerCommit = 10

    public init(replica: LocalReplica, transport: any SyncTransport) {
        self.replica = replica
        self.transport = transport
    }

    /// Runs the sync.
    /// - Throws: ``SyncRejection``, ``ReplicaError`` or the transport's errors; what was
    ///   done before the error is kept, and the error is recorded for `annot status`.
    public func run() throws -> Report {
        guard let remote = try replica.remote() else {
            throw ReplicaError.protocolViolation("no sync server set: use 'annot remote set URL --token TOKEN'")
        }
        var report = Report(server: remote.url)
        do {
            try claimKey()
            let conflicts = try refreshKeys()
            for conflict in conflicts { warning(conflict) }
            if snapshots { try startFromSnapshot(&report) }
            // Round again at most twice: when the server's log is not the one this replica's
            // cursors came from, and when the server turns out to have lost pushed work.
            for _ in 0..<3 {
                var pushError: (any Error)?
                do { try push(&report) } catch { pushError = error }
                // Pull even when the push failed: one refused changeset must not stop this
                // replica from receiving everyone else's work.
                let end = try pull(&report)
                if let pushError { throw pushError }
                if end == .startedOver {
                    guard !report.startedOver else { break }
                    report.startedOver = true
                    startingOver(false)
                    continue
                }
                // Everything pushed has now come back from the server, unless it lost some.
                guard !report.pushedAgain, try replica.pushAgainWhatTheServerLost() else { break }
                report.pushedAgain = true
                startingOver(true)
            }
            if report.held > 0 {
                for conflict in try refreshKeys() where !conflicts.contains(conflict) { warning(conflict) }
            }
            report.held = try replica.heldChangesets().count
            try replica.recordSync(error: nil)
        } catch {
            try? replica.recordSync(error: "\(error)")
            throw error
        }
        return report
    }

    // MARK: - Keys

    /// Binds this replica's key to its user on the server (idempotent).
    func claimKey() throws {
        let identity = try replica.identity()
        let claim = SyncProtocol.KeyClaim(user: identity.user, signer: identity.signer)
        _ = try transport.send(method: "POST", path: "/v1/keys", body: Array(try JSONEncoder().encode(claim)))
    }

    /// Reads the server's key directory into the replica's.
    /// - Returns: the bindings refused, in words.
    func refreshKeys() throws -> [String] {
        let data = try transport.send(method: "GET", path: "/v1/keys", body: nil)
        guard let directory = try? JSONDecoder().decode(SyncProtocol.KeyDirectory.self, from: Data(data)) else {
            throw ReplicaError.protocolViolation("the server answered GET /v1/keys with something that is not a key directory")
        }
        let recording = try replica.recordServerKeys(directory.keys)
        return recording.conflicts
    }

    // MARK: - Snapshot

    /// Starts the replica from the server's snapshot when it is far behind it: it is new,
    /// or has not synced for an hour, and the snapshot is at least ``snapshotGap``
    /// operations ahead. A snapshot that fails a check, or that the replica cannot take
    /// without losing something, is set aside with a warning, and the log is pulled instead.
    func startFromSnapshot(_ report: inout Report) throws {
        guard let remote = try replica.remote() else { return }
        let now = Int64(replica.wallClock.milliseconds())
        guard remote.pullCursor == 0 || (remote.lastSyncAt ?? 0) < now - 3_600_000 else { return }
        let manifest: SyncProtocol.SnapshotManifest
        do {
            let answer = try transport.send(method: "GET", path: "/v1/snapshot", body: nil)
            guard let decoded = try? JSONDecoder().decode(SyncProtocol.SnapshotManifest.self, from: Data(answer)),
                (try? OperationID(decoded.sha256)) != nil, (try? OperationID(decoded.operation)) != nil, decoded.cursor > 0,
                decoded.bytes > 0, decoded.operations >= 0
            else {
                warning("the server's snapshot manifest is not one annot understands; pulling the log instead")
                return
            }
            manifest = decoded
        } catch let rejection as SyncRejection where rejection.status == 404 {
            return  // no snapshot yet, or a server without snapshots
        }
        let cursor = remote.storeID == nil || remote.storeID == manifest.store ? remote.pullCursor : 0
        guard manifest.cursor - cursor >= snapshotGap else { return }
        let file = replica.path + ".snapshot-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            let start = ContinuousClock.now
            try download(manifest, to: file)
            let received = ContinuousClock.now - start
            switch try replica.install(snapshot: file, manifest: manifest, server: remote.url) {
            case .installed(let checked, let placed):
                report.snapshot = SnapshotSummary(
                    cursor: manifest.cursor, operations: manifest.operations, bytes: manifest.bytes, sha256: manifest.sha256,
                    received: received.inSeconds,
                    checked: checked, placed: placed)
            case .skipped(let reason):
                warning("the server's snapshot was not used (\(reason)); pulling the log instead")
            }
        } catch let error as ReplicaError {
            guard case .snapshotRefused = error else { throw error }
            warning("\(error); pulling the log instead")
        } catch let rejection as SyncRejection where rejection.status == 404 {
            // A newer snapshot replaced it since the manifest, or, behind a load balancer,
            // another instance (each keeps its own) answered for the file.
            warning("the server no longer has the snapshot it announced; pulling the log instead")
        }
    }

    /// Receives a snapshot's file into `file`, checking its size and SHA-256 against the
    /// manifest as it arrives.
    func download(_ manifest: SyncProtocol.SnapshotManifest, to file: String) throws {
        let folder = (file as NSString).deletingLastPathComponent
        var space = statvfs()
        if statvfs(folder.isEmpty ? "." : folder, &space) == 0 {
            let free = Int64(space.f_bavail) * Int64(space.f_frsize)
            guard free > manifest.bytes + 64 * 1024 * 1024 else {
                throw ReplicaError.storage(
                    "not enough disk space for the server's snapshot (\(manifest.bytes / 1_048_576) MiB) beside the replica; free some, or sync with --no-snapshot")
            }
        }
        guard FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: file)
        else { throw ReplicaError.unreadable(path: file, reason: "cannot create the file") }
        defer { try? handle.close() }
        var hasher = Digest.Hasher()
        var received: Int64 = 0
        var reported: Int64 = 0
        try transport.download(path: "/v1/snapshots/\(manifest.sha256)") { piece in
            received += Int64(piece.count)
            guard received <= manifest.bytes else {
                throw ReplicaError.snapshotRefused("it is larger than its manifest says (\(manifest.bytes) bytes)")
            }
            hasher.update(piece)
            do {
                try handle.write(contentsOf: piece)
            } catch {
                throw ReplicaError.storage("cannot write the server's snapshot beside the replica (\(error)); nothing is lost")
            }
            if received - reported >= 8 * 1024 * 1024 {
                reported = received
                snapshotProgress(received, manifest.bytes)
            }
        }
        guard received == manifest.bytes else {
            throw ReplicaError.snapshotRefused("it is \(received) bytes, and its manifest says \(manifest.bytes)")
        }
        guard hasher.finalize() == manifest.sha256 else {
            throw ReplicaError.snapshotRefused("its SHA-256 is not the one its manifest gives")
        }
        // The file must be on disk before it takes the replica's place: start writing it out
        // now, while it is being checked, rather than all at once when it is put in place.
        let descriptor = dup(handle.fileDescriptor)
        if descriptor >= 0 {
            Thread.detachNewThread {
                fsync(descriptor)
                close(descriptor)
            }
        }
        snapshotProgress(received, manifest.bytes)
    }

    // MARK: - Push

    func push(_ report: inout Report) throws {
        var size = pushBatch
        while let next = try replica.pendingPush(limit: size) {
            if next.operations == 0 {
                try replica.markPushed(through: next.lastSeq)
                break
            }
            do {
                let answer = try transport.send(method: "POST", path: "/v1/push", body: next.document)
                guard let outcome = try? JSONDecoder().decode(SyncProtocol.PushOutcome.self, from: Data(answer)) else {
                    throw ReplicaError.protocolViolation("the server answered a push with something that is not the sync protocol")
                }
                try replica.markPushed(through: next.lastSeq)
                report.pushed += outcome.accepted
                report.alreadyOnServer += outcome.duplicates
            } catch let rejection as SyncRejection where rejection.status == 413 && next.changesets.count > 1 {
                size = max(1, min(size, next.operations) / 4)  // the server's limits are lower than ours: smaller batches
            } catch let rejection as SyncRejection where Self.refusesChangeset(rejection) {
                // One changeset the server will never take must not hold back the others:
                // find it by pushing one changeset at a time, and set it aside.
                if next.changesets.count > 1 {
                    size = 1
                } else if let id = next.changesets.first {
                    try replica.refuse(changeset: id, code: rejection.code, reason: rejection.message)
                    report.refused += 1
                    size = pushBatch
                }
            }
        }
    }

    /// Whether a rejection is the server's final word on the changesets pushed (as opposed
    /// to a problem with the request, the user or the moment, which another sync may not have).
    ///
    /// `malformed` is not among them: it may mean an older server that does not know a
    /// newer kind yet, and the changeset should go once the server is upgraded. A single
    /// changeset too large for the server's limits (413) is, since it cannot be split.
    static func refusesChangeset(_ rejection: SyncRejection) -> Bool {
        rejection.status == 413
            || [
                SyncProtocol.ErrorCode.importForbidden, SyncProtocol.ErrorCode.decisionForbidden, SyncProtocol.ErrorCode.collision,
                SyncProtocol.ErrorCode.changesetOverlap, SyncProtocol.ErrorCode.keyBoundElsewhere, "authorship",
            ].contains(rejection.code)
    }

    // MARK: - Pull

    enum PullEnd { case caughtUp, startedOver }

    func pull(_ report: inout Report) throws -> PullEnd {
        guard let remote = try replica.remote() else { return .caughtUp }
        var cursor = remote.pullCursor
        var at = remote.cursorOperation
        var storeChecked = false
        var held: [Changeset] = []
        var heldPages = 0
        var fetched = 0
        var lastOperation: OperationID?
        var pageSize = pullPageSize
        // A server that sends the same changeset twice in one pull (a cursor that goes back,
        // or pages that repeat) would keep the sync going forever: stop at the first repeat.
        var received = Set<Int>()
        while true {
            var path = "/v1/pull?after=\(cursor)&limit=\(pageSize)"
            if cursor > 0, let at { path += "&at=\(at)" }
            let page: SyncProtocol.PullPage
            do {
                page = try SyncProtocol.PullPage(decoding: try transport.send(method: "GET", path: path, body: nil))
            } catch let tooLarge as SyncReplyTooLarge {
                // Pages of large articles: ask for fewer operations at a time.
                guard pageSize > 1 else { throw tooLarge }
                pageSize = max(1, pageSize / 4)
                continue
            } catch let rejection as SyncRejection where rejection.code == SyncProtocol.ErrorCode.cursorMismatch {
                // The server's log holds another operation at our cursor: it was restored from
                // a backup. Start over; pushing again restores our own work it lost.
                try replica.startOver(withStore: nil)
                return .startedOver
            } catch let error as SyncCoreError {
                throw ReplicaError.protocolViolation("the server sent changes that do not verify: \(error)")
            }
            if !storeChecked {
                storeChecked = true
                if let known = remote.storeID, known != page.store {
                    try replica.startOver(withStore: page.store)
                    return .startedOver
                }
                if remote.storeID == nil { try replica.recordStore(page.store) }
            }
            // Each operation has a sequence number of its own: a page of N operations moves the
            // cursor on by N or more, and a page that says more follow holds some.
            guard page.cursor >= cursor, page.cursor - cursor >= Int64(page.operations), page.operations > 0 || !page.more else {
                throw ReplicaError.protocolViolation(
                    "the server's pull cursor went from \(cursor) to \(page.cursor) with \(page.operations) operation(s): it does not advance; sync stopped")
            }
            for changeset in page.changesets where !received.insert(changeset.id.hashValue).inserted {
                throw ReplicaError.protocolViolation(
                    "the server sent changeset \(changeset.id.rawValue.prefix(12)) twice in one pull: it is broken or hostile; sync stopped")
            }
            held += page.changesets
            heldPages += 1
            fetched += page.operations
            cursor = page.cursor
            if let last = page.lastOperation {
                lastOperation = last
                at = last.rawValue
            }
            if heldPages == Self.pagesPerCommit || !page.more {
                let applied = try replica.applyPulled(held, cursor: cursor, operation: lastOperation)
                report.received += applied.applied
                report.duplicates += applied.duplicates
                report.held += applied.held
                held = []
                heldPages = 0
            }
            if !page.more { break }
            progress(fetched)
        }
        return .caughtUp
    }
}
