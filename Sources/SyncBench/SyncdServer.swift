import Foundation

/// A `syncd serve` process on 127.0.0.1 and a free port. Stop it with ``stop()``.
final class SyncdServer: Sendable {
    /// The base URL, `http://127.0.0.1:PORT`.
    let url: String
    let pid: pid_t
    /// Where the server's output goes.
    let log: String

    private init(url: String, pid: pid_t, log: String) {
        self.url = url
        self.pid = pid
        self.log = log
    }

    static func start(binary: SyncdBinary, data: URL, name: String, options: [String]) async throws -> SyncdServer {
        let portFile = data.appendingPathComponent("port").path
        let log = data.appendingPathComponent("syncd.log").path
        try? FileManager.default.removeItem(atPath: portFile)
        let arguments =
            ["serve"] + binary.storeArguments(data: data, server: name)
            + ["--host", "127.0.0.1", "--port", "0", "--port-file", portFile, "--log-level", "warning"]
            // The benchmarks push whole histories as a few users: no per-user quota.
            + ["--quota-bytes", "0", "--quota-operations", "0"] + options
        let process = try ChildProcess.start(binary.path, arguments, output: log)
        Interruption.shared.track(process.pid)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return SyncdServer(url: "http://127.0.0.1:\(port)", pid: process.pid, log: log)
            }
            if process.hasExited() {
                Interruption.shared.untrack(process.pid)
                throw SyncBenchError("syncd serve stopped before listening: \(ChildProcess.tail(of: log))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.stop()
        Interruption.shared.untrack(process.pid)
        throw SyncBenchError("syncd serve did not listen within 30 s: \(ChildProcess.tail(of: log))")
    }

    /// Stops the server gracefully (SIGTERM), or with SIGKILL if it has not stopped in 10 s.
    func stop() {
        ChildProcess(pid: pid).stop()
        Interruption.shared.untrack(pid)
    }

    /// The server's peak resident memory so far, in KiB (`VmHWM` of `/proc/PID/status`).
    func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // `VmHWM:\t   95700 kB`
            return line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// Resets the peak to the current resident memory (`echo 5 > /proc/PID/clear_refs`), so
    /// that ``peakResidentKiB()`` covers only what follows. - Returns: whether it worked.
    @discardableResult
    func resetPeakResident() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/\(pid)/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }
}
