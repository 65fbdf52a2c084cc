import Foundation

/// A replica driven through the real `annot` binary, in a folder of its own.
struct AnnotReplica: Sendable {
    let binary: String
    /// The replica file.
    let path: String
    /// Where every command's output goes.
    let log: String

    /// What one `annot sync` did, as its `--json` report says, and what it took.
    struct SyncRun: Sendable {
        let received: Int
        let pushed: Int
        let seconds: Double
        let maxResidentKiB: Int
        /// When it started from a snapshot: seconds to receive, check and place it.
        var snapshot: (received: Double, checked: Double, placed: Double)?
    }

    /// `annot init --user USER`, then `annot remote set URL --token TOKEN` (neither timed).
    static func create(
        binary: String, folder: URL, user: String, server: String, token: String
    ) async throws -> AnnotReplica {
        let replica = AnnotReplica(
            binary: binary, path: folder.appendingPathComponent("replica.sqlite").path,
            log: folder.appendingPathComponent("annot.log").path)
        try await replica.run(["init", "--replica", replica.path, "--user", user])
        try await replica.run(["remote", "set", server, "--token", token, "--replica", replica.path])
        return replica
    }

    /// One `annot sync --json` (with `options`), timed as a whole process.
    func sync(_ options: [String] = []) async throws -> SyncRun {
        let output = path + ".sync.json"
        try? FileManager.default.removeItem(atPath: output)
        let completion = try await ChildProcess.run(binary, ["sync", "--json", "--replica", path] + options, output: output)
        try completion.requireSuccess(output: output)
        struct Report: Decodable {
            struct Snapshot: Decodable {
                let received: Double
                let checked: Double
                let placed: Double
            }
            let pushed: Int
            let received: Int
            let snapshot: Snapshot?
        }
        // The report is one pretty-printed JSON object; stderr, which shares the file, is
        // silent on success when it is not a terminal.
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"),
            let report = try? JSONDecoder().decode(Report.self, from: Data(text[open...close].utf8))
        else { throw SyncBenchError("annot sync --json printed no report: \(ChildProcess.tail(of: output))") }
        return SyncRun(
            received: report.received, pushed: report.pushed, seconds: completion.seconds,
            maxResidentKiB: completion.maxResidentKiB,
            snapshot: report.snapshot.map { ($0.received, $0.checked, $0.placed) })
    }

    /// One `annot tag ARTICLE TAG`, timed as a whole process: the seconds it took.
    func tag(_ article: String, _ tag: String) async throws -> Double {
        let completion = try await ChildProcess.run(binary, ["tag", article, tag, "--replica", path], output: log)
        try completion.requireSuccess(output: log)
        return completion.seconds
    }

    /// One annot command on this replica, timed as a whole process (its output discarded).
    func timed(_ arguments: [String]) async throws -> Double {
        let completion = try await ChildProcess.run(binary, arguments + ["--replica", path], output: "/dev/null")
        try completion.requireSuccess(output: log)
        return completion.seconds
    }

    /// The size of the replica file, in bytes.
    func fileSize() -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Runs one annot command on this replica (`--replica` is added), untimed.
    func annot(_ arguments: [String]) async throws {
        try await run(arguments + ["--replica", path])
    }

    private func run(_ arguments: [String]) async throws {
        let completion = try await ChildProcess.run(binary, arguments, output: log)
        try completion.requireSuccess(output: log)
    }
}
