import Foundation
import SyncCore

/// What every workload shares: the binaries under test, a scratch folder and the options.
struct BenchContext: Sendable {
    /// The `syncd` binary with the store arguments of this run.
    let syncd: SyncdBinary
    /// The `annot` binary.
    let annot: String
    /// A folder of this run, removed at the end.
    let folder: URL
    /// Timed runs per measurement.
    let runs: Int

    init(options: SyncBenchOptions) throws {
        let binaries = Self.binaryFolder()
        let syncdPath = binaries.appendingPathComponent("syncd").path
        annot = binaries.appendingPathComponent("annot").path
        for path in [syncdPath, annot] where !FileManager.default.isExecutableFile(atPath: path) {
            throw SyncBenchError(
                "no executable \(path): build the whole package first (swift build -c release --static-swift-stdlib)")
        }
        syncd = SyncdBinary(path: syncdPath, storeArguments: options.syncdArguments, serveArguments: options.serveArguments)
        runs = options.runCount
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sync-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The same run with other store arguments for `syncd`.
    func with(storeArguments: [String]) -> BenchContext {
        BenchContext(
            syncd: SyncdBinary(path: syncd.path, storeArguments: storeArguments, serveArguments: syncd.serveArguments),
            annot: annot, folder: folder, runs: runs)
    }

    private init(syncd: SyncdBinary, annot: String, folder: URL, runs: Int) {
        self.syncd = syncd
        self.annot = annot
        self.folder = folder
        self.runs = runs
    }

    /// The four curators who seed a server's history (`seed-1` to `seed-4`), with their tokens.
    func seeders(data: URL, server name: String) async throws -> (users: [UserName], tokens: [UserName: String]) {
        let users = try (1...4).map { try UserName("seed-\($0)") }
        var tokens: [UserName: String] = [:]
        for user in users { tokens[user] = try await syncd.addUser(user.rawValue, role: "curator", data: data, server: name) }
        return (users, tokens)
    }

    /// A new, empty folder for one server or replica.
    func subfolder(_ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Removes the run's folder, unless `SYNCBENCH_KEEP=1` asks to keep it for a look afterwards.
    func removeFolder() {
        if ProcessInfo.processInfo.environment["SYNCBENCH_KEEP"] == "1" {
            FileHandle.standardError.write(Data("SyncBench: kept \(folder.path)\n".utf8))
            return
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The folder holding this executable, where SwiftPM also puts `syncd` and `annot`.
    /// `/proc/self/exe` finds it even when the benchmark was started through `PATH`.
    private static func binaryFolder() -> URL {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }
}
