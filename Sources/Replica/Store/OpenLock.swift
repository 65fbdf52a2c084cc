import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Says which processes have a replica open, so that a sync starting the replica from a
/// snapshot replaces its file only when no other process has it open (docs/protocol.md §16).
///
/// SQLite must never see its database file renamed under an open connection: that
/// connection would go on reading and writing the old file, and its write-ahead log, named
/// after the path, would be taken for the new file's. So every process that opens the
/// replica holds a shared `flock(2)` on a file beside it (its path plus `-open`) until it
/// exits, and the sync replaces the file only while it holds that lock exclusively. A
/// process that opens the replica meanwhile waits for the replacement (a moment); one that
/// has it open already makes the sync pull the log instead. Where the file cannot be made
/// (a read-only folder), there is no lock, and no replacement either.
final class OpenLock: Sendable {
    private let descriptor: Int32

    /// The longest `open` waits for a replacement in progress.
    static let patience: TimeInterval = 30

    /// Takes the shared lock of the replica at `replicaPath`, waiting for a replacement in
    /// progress; `nil` when the lock file cannot be made.
    /// - Throws: ``ReplicaError/replicaBusy(_:)`` after ``patience`` seconds.
    init?(replicaPath: String) throws(ReplicaError) {
        var descriptor = open(replicaPath + "-open", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor < 0 { descriptor = open(replicaPath + "-open", O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        let deadline = Date().addingTimeInterval(Self.patience)
        while flock(descriptor, LOCK_SH | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { return }
            guard Date() < deadline else {
                throw .replicaBusy("the replica \(replicaPath) is being replaced by a snapshot for over \(Int(Self.patience)) s; try again")
            }
            usleep(10_000)
        }
    }

    deinit { close(descriptor) }

    /// Runs `body` holding the lock alone: no other process has the replica open, and none
    /// can open it until `body` returns. - Returns: `nil`, without running `body`, when
    /// another process has it open.
    func alone<T>(_ body: () throws -> T) rethrows -> T? {
        // Converting a shared lock may drop it before failing: take it again either way.
        defer { _ = flock(descriptor, LOCK_SH) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return nil }
        return try body()
    }
}
