import Foundation

/// Cleans up when the benchmark is interrupted (SIGINT or SIGTERM): stops the servers it
/// started, removes its scratch folder and exits with status 130. Without this, a `kill`
/// of the benchmark alone would leave `syncd` processes and a large folder behind.
final class Interruption: @unchecked Sendable {
    static let shared = Interruption()

    // Guards `servers` and `folder`, which the signal handler reads on its own queue.
    private let lock = NSLock()
    private var servers: Set<pid_t> = []
    private var folder: URL?
    private var sources: [any DispatchSourceSignal] = []

    /// Handles SIGINT and SIGTERM from now on, removing `folder` on the way out.
    func install(removing folder: URL) {
        lock.withLock { self.folder = folder }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in stopEverything() }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }

    /// Stops `pid` too if the benchmark is interrupted.
    func track(_ pid: pid_t) {
        lock.withLock { _ = servers.insert(pid) }
    }

    func untrack(_ pid: pid_t) {
        lock.withLock { _ = servers.remove(pid) }
    }

    private func stopEverything() {
        let (pids, folder) = lock.withLock { (servers, self.folder) }
        FileHandle.standardError.write(Data("SyncBench: interrupted; stopping \(pids.count) server(s)\n".utf8))
        for pid in pids { ChildProcess(pid: pid).stop(grace: .seconds(5)) }
        if let folder { try? FileManager.default.removeItem(at: folder) }
        exit(130)
    }
}
