import Foundation
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `syncd serve` process on loopback, on a free port, with its data in a folder.
final class SyncdProcess: @unchecked Sendable {
    let data: String
    /// `--data DIR` (embedded SQLite), or `--store URL` (PostgreSQL).
    let storeArguments: [String]
    private(set) var port: Int = 0
    private var process: Process?
    private let log: String

    static var binary: String { AnnotCLI.productsFolder.appendingPathComponent("syncd").path }

    /// A server whose files (port file, log, SQLite store) go beside `data`; with `store`,
    /// its store is that PostgreSQL database instead.
    init(data: String, store: String? = nil) {
        self.data = data
        self.storeArguments = store.map { ["--store", $0] } ?? ["--data", data]
        self.log = data + ".log"
    }

    deinit { stop(signal: SIGKILL) }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Runs `syncd` with `arguments` to completion (for `syncd user …`).
    @discardableResult
    static func run(_ arguments: [String]) throws -> AnnotCLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 60)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        var stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if watchdog.disarm() { stderr += "\n[test: killed after 60 s]" }
        return AnnotCLI.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr)
    }

    /// Adds a user and returns its token.
    /// Adds a user (a curator by default: the analysts of most tests import the corpus).
    func addUser(_ name: String, role: String = "curator") throws -> String {
        let result = try Self.run(["user", "add", name, "--role", role] + storeArguments)
        guard result.status == 0 else { throw TestFailure("syncd user add failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Options given to `syncd serve` besides the port and the store.
    var serveOptions: [String] = []
    /// When set, `syncd serve` runs with this limit on open files (`ulimit -n`).
    var descriptorLimit: Int?

    /// Starts the server (on the same port as before when restarting) and waits until it listens.
    func start(port requested: Int? = nil) throws {
        if let requested { port = requested }
        let portFile = data + ".port"
        try? FileManager.default.removeItem(atPath: portFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments =
            ["serve", "--port", String(port), "--port-file", portFile, "--log-level", "warning"] + storeArguments + serveOptions
        if let descriptorLimit {
            // Through a shell that sets the limit, then becomes syncd (same pid).
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", Self.binary] + process.arguments!
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
        }
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("syncd did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Stops the server with `signal` (SIGTERM: graceful; SIGKILL: a crash) and waits for it.
    /// - Returns: how the process ended (its exit status, or the signal that ended it).
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> (status: Int32, reason: Process.TerminationReason)? {
        guard let process, process.isRunning else { return nil }
        kill(process.processIdentifier, signal)
        // A graceful stop that hangs is ended for good after 30 s (and the test sees SIGKILL).
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 30)
        process.waitUntilExit()
        watchdog.disarm()
        self.process = nil
        return (process.terminationStatus, process.terminationReason)
    }

    /// The server's process id, while it runs.
    var pid: Int32? { process?.isRunning == true ? process?.processIdentifier : nil }

    var exitStatus: Int32? { process?.isRunning == false ? process?.terminationStatus : nil }

    /// GETs `path` with a bearer token and returns the body.
    func get(_ path: String, token: String) throws -> (status: Int, body: Data) {
        try request("GET", path, token: token)
    }

    /// POSTs `body` to `path` with a bearer token and returns the answer.
    func post(_ path: String, body: Data, token: String) throws -> (status: Int, body: Data) {
        try request("POST", path, body: body, token: token)
    }

    /// One request, which gives up after 30 seconds rather than hang a test.
    func request(_ method: String, _ path: String, body: Data? = nil, token: String) throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.value = (data, (response as? HTTPURLResponse)?.statusCode, error)
            semaphore.signal()
        }.resume()
        guard semaphore.wait(timeout: .now() + 35) == .success else { throw TestFailure("\(method) \(path) got no answer in 35 s") }
        if let error = box.value?.2 { throw error }
        return (box.value?.1 ?? 0, box.value?.0 ?? Data())
    }

    private final class ResultBox: @unchecked Sendable {
        var value: (Data?, Int?, (any Error)?)?
    }

}
