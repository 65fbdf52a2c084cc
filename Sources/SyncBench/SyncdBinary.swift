import Foundation

/// The `syncd` binary under test, with the store arguments (`--syncd-arg`) that every
/// `syncd serve` and `syncd user add` of this run gets, and the arguments (`--serve-arg`)
/// that only every `syncd serve` gets.
struct SyncdBinary: Sendable {
    let path: String
    let storeArguments: [String]
    var serveArguments: [String] = []

    /// Whether the store arguments name a store of their own (`--store URL`, a PostgreSQL
    /// database that several instances may share) instead of the data folder.
    var namesStore: Bool {
        storeArguments.contains { $0 == "--store" || $0.hasPrefix("--store=") }
    }

    /// The store arguments for the server called `name`: `{server}` in an argument becomes
    /// `name`, so that each workload can get a store of its own. They start with
    /// `--data FOLDER` unless they name a store themselves (syncd refuses both).
    func storeArguments(data: URL, server name: String) -> [String] {
        (namesStore ? [] : ["--data", data.path])
            + storeArguments.map { $0.replacingOccurrences(of: "{server}", with: name) }
    }

    /// Adds a user with `syncd user add` and returns its token.
    func addUser(_ user: String, role: String, data: URL, server name: String) async throws -> String {
        let output = data.appendingPathComponent("user-\(user).out").path
        let arguments = ["user", "add", user, "--role", role] + storeArguments(data: data, server: name)
        let completion = try await ChildProcess.run(path, arguments, output: output)
        try completion.requireSuccess(output: output)
        let token = (try String(contentsOfFile: output, encoding: .utf8)).trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard token.hasPrefix("annot_"), !token.contains(where: \.isWhitespace) else {
            throw SyncBenchError("syncd user add \(user) printed '\(token)', not a token")
        }
        return token
    }

    /// Starts `syncd serve` on a free loopback port and waits until it listens. Snapshots are
    /// off unless `options` say otherwise: the server's mirror would compete for the cores
    /// with what the other workloads measure.
    func serve(data: URL, server name: String, options: [String] = ["--no-snapshots"]) async throws -> SyncdServer {
        try await SyncdServer.start(binary: self, data: data, name: name, options: options + serveArguments)
    }
}
