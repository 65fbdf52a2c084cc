import Replica
import Synchronization

/// The replicas this process opened, closed together when the command ends.
///
/// `annot` closes them itself, then exits without releasing them. Releasing GRDB's
/// connection object unregisters it from Foundation's `NotificationCenter`, and that first
/// use of Foundation's notification and bridging machinery took about 0.3 ms of a command
/// that takes 8, for nothing in a process about to exit. Closing explicitly also reports a
/// failure to write the log back into the file, which a release would drop.
enum OpenedReplicas {
    private static let replicas = Mutex<[LocalReplica]>([])

    /// Keeps `replica` until ``closeAll()``.
    static func keep(_ replica: LocalReplica) {
        replicas.withLock { $0.append(replica) }
    }

    /// Closes every replica opened so far (closing one twice does nothing) and throws the
    /// first failure, after trying them all. The replicas stay referenced, so that the
    /// process can exit without tearing them down.
    static func closeAll() throws {
        let opened = replicas.withLock { $0 }
        var failure: (any Error)?
        for replica in opened {
            do { try replica.close() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}
