import Replica

/// The replicas this process opened, closed together when the command ends.
///
/// `annot` closes them itself, then exits without releasing them. Releasing GRDB's
/// connection object unregisters it from Foundation's `NotificationCenter`, and that first
/// use of Foundation's notification and bridging machinery took 0.7 to 0.9 ms of an
/// `annot tag` that now takes about 9 (BENCHMARKS.md, AnnotBench (b)), for nothing in a
/// process about to exit.
///
/// A command runs on the main thread only, one per process: the list needs no lock.
enum OpenedReplicas {
    /// Every replica opened, kept until the process exits.
    nonisolated(unsafe) private static var replicas: [LocalReplica] = []

    /// Keeps `replica`, to be closed by ``closeAll()``.
    static func keep(_ replica: LocalReplica) {
        replicas.append(replica)
    }

    /// Closes every replica opened so far (closing one twice does nothing) and throws the
    /// first failure, after trying them all. What the command wrote was committed before:
    /// a failure here loses nothing. Closed, a replica holds no file descriptor and no lock.
    static func closeAll() throws {
        var failure: (any Error)?
        for replica in replicas {
            do { try replica.close() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}
