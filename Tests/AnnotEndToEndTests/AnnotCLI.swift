import Foundation
import TestSupport

/// Runs the built `annot` binary as a user would, on a replica in a temporary folder.
struct AnnotCLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        /// Standard output read as a JSON object (`--json` reports); nil when it is not one.
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] }
        var jsonArray: [[String: Any]]? { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [[String: Any]] }
    }

    /// The operations waiting to be pushed, from `annot status --json`; nil when the
    /// command fails or does not say.
    func pending() throws -> Int? { try run(["status", "--json"]).json?["pending"] as? Int }

    let replica: String
    /// The program run (annot, unless a test runs it through another).
    var executable: String = AnnotCLI.binary
    /// Arguments before the command's own (for a program that runs annot).
    var prefix: [String] = []

    /// Trusts `other`'s replica key as its user's (`annot key trust`), as analysts who
    /// sync by file do after comparing fingerprints.
    func trust(_ other: AnnotCLI, role: String? = "curator") throws {
        let shown = try other.run(["key", "show", "--json"]).json
        guard let key = shown?["key"] as? String, let user = shown?["user"] as? String else {
            throw TestFailure("annot key show --json printed no key")
        }
        let trusted = try run(["key", "trust", key, user] + (role.map { ["--role", $0] } ?? []))
        guard trusted.status == 0 else { throw TestFailure("annot key trust failed: \(trusted.stderr)") }
    }

    /// The folder holding the built products (beside the test bundle).
    static var productsFolder: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: bundle.appendingPathComponent("annot").path) { return bundle }
        return Bundle.main.bundleURL
    }

    static var binary: String { productsFolder.appendingPathComponent("annot").path }

    /// The sample corpus: `../shared/corpus`, or one generated when it is absent.
    static var corpus: String { SampleCorpus.folder }

    /// Runs the binary to completion; `environment` is added to this process's.
    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = try start(arguments, stdin: stdin, environment: extra)
        return process.wait()
    }

    /// Runs the binary with `arguments` and a last argument of raw bytes (which need not be
    /// UTF-8, so cannot be a Swift string): through `sh`, whose `printf` writes the bytes.
    func runRaw(_ arguments: [String], rawLast bytes: [UInt8]) throws -> Result {
        let octal = bytes.map { "\\" + String($0, radix: 8) }.joined()
        let shell = AnnotCLI(replica: replica, executable: "/bin/sh")
        return try shell.run(["-c", "exec \"$0\" \"$@\" \"$(printf '\(octal)')\"", Self.binary] + arguments)
    }

    /// Starts the binary without waiting for it.
    func start(_ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = prefix + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ANNOT_REPLICA"] = replica
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        return Running(process: process, out: out, err: err)
    }

    struct Running {
        let process: Process
        let out: Pipe
        let err: Pipe

        /// Waits for the process; one that runs longer than `timeout` seconds is killed, and
        /// its result says so on standard error.
        func wait(timeout: Double = 180) -> Result {
            let watchdog = Watchdog(pid: process.processIdentifier, seconds: timeout)
            // Read before waiting, so a full pipe cannot block the child.
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            var stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if watchdog.disarm() { stderr += "\n[test: killed after \(Int(timeout)) s]" }
            return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr)
        }
    }
}
