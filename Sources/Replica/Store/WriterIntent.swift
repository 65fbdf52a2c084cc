import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lets an analyst's own writes go before a long pull that is being applied to the same
/// replica, so that `annot tag` never waits for a catch-up (vlcn-io/cr-sqlite#252).
///
/// SQLite lets one transaction write at a time. A pull is applied in large transactions,
/// since each commit writes out every index page it touched (`SyncSession.pagesPerCommit`),
/// and a local write arriving meanwhile would wait for the whole batch: seconds during a
/// catch-up. So every local write first takes a shared `flock(2)` on a file beside the
/// replica (its path plus `-writers`), and holds it until it has committed. Between two
/// changesets, the pull probes that lock: when it cannot take it exclusively, someone wants
/// to write, and the pull commits what it has applied, waits for the writers to be done,
/// and goes on in a new transaction. A local write then waits at most for one changeset and
/// a commit.
///
/// The probe never blocks while the pull holds SQLite's write lock, and a writer never holds
/// the `flock` while waiting for anything but SQLite's write lock, so neither can wait for the
/// other for good. Where the file cannot be made (a read-only folder), nothing changes: writes
/// wait for SQLite's lock as they always did.
struct WriterIntent: ~Copyable {
    private let descriptor: Int32

    /// Opens the lock file of the replica at `replicaPath`; `nil` when it cannot be made.
    init?(replicaPath: String) {
        let descriptor = open(replicaPath + "-writers", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Runs a local write, saying that a writer is waiting or writing while it runs.
    static func announcing<T>(replicaPath: String, _ body: () throws -> T) rethrows -> T {
        guard let intent = WriterIntent(replicaPath: replicaPath) else { return try body() }
        // Blocks only while a pull passes the barrier in `waitForWriters`, a moment.
        _ = flock(intent.descriptor, LOCK_SH)
        defer { _ = flock(intent.descriptor, LOCK_UN) }
        return try body()
    }

    /// Whether a local write is waiting or writing (never blocks).
    func writerWaiting() -> Bool {
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        _ = flock(descriptor, LOCK_UN)
        return false
    }

    /// Waits until no local write is waiting or writing; call it outside any transaction.
    func waitForWriters() {
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
        _ = flock(descriptor, LOCK_UN)
    }
}
