import Foundation
import GRDB
import Replica
import SyncCore

/// (b) One `annot tag` as a whole process, against the `sqlite3` command inserting one row
/// into a copy of the same database file.
struct ProcessBenchmark {
    let folder: URL
    let runs: Int

    func run() throws {
        let annot = Self.sibling("annot")
        guard FileManager.default.isExecutableFile(atPath: annot) else {
            print("\n(b) skipped: no annot binary beside AnnotBench (build the whole package first)")
            return
        }
        guard let sqlite3 = Self.which("sqlite3") else {
            print("\n(b) skipped: no sqlite3 command (apt-get install sqlite3)")
            return
        }
        // A replica holding 20,000 operations, and a byte-for-byte copy for sqlite3.
        let replicaPath = folder.appendingPathComponent("process.sqlite").path
        try Self.makeReplica(at: replicaPath, folder: folder)
        let copyPath = folder.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: replicaPath, toPath: copyPath)
        let size = (try FileManager.default.attributesOfItem(atPath: replicaPath)[.size] as? Int) ?? 0
        print("\n(b) one process writing one row, replica file of \(size / 1024) KiB, \(runs) runs each")

        var annotTimes: [Double] = []
        var sqliteTimes: [Double] = []
        for run in 0..<runs {
            let tag = ["001", "bench-\(run)"]
            let insert =
                "INSERT INTO tag_additions (hlc, article, tag, author, live) VALUES ('x\(run)', '001_bench', 'bench-\(run)', 'bench', 1);"
            let pair: [() throws -> Double] = [
                { try Self.time(annot, ["tag", "--replica", replicaPath] + tag) },
                { try Self.time(sqlite3, [copyPath, insert]) },
            ]
            if run % 2 == 0 {
                annotTimes.append(try pair[0]())
                sqliteTimes.append(try pair[1]())
            } else {
                sqliteTimes.append(try pair[1]())
                annotTimes.append(try pair[0]())
            }
        }
        let annotMedian = Measure.median(annotTimes)
        let sqliteMedian = Measure.median(sqliteTimes)
        print("  annot tag     : median \(Measure.format(annotMedian * 1000)) ms")
        print("  sqlite3 insert: median \(Measure.format(sqliteMedian * 1000)) ms")
        print("  ratio         : \(Measure.format(annotMedian / sqliteMedian))x the sqlite3 time (goal: within 2x)")
    }

    /// Writes the replica the command runs on. Its connection is closed when this returns,
    /// so that each timed process is, like `sqlite3` on the copy, the only one with the
    /// file open (another open connection would keep the WAL from being checkpointed and
    /// reset when the process closes, and make every run slower than the one before).
    static func makeReplica(at path: String, folder: URL) throws {
        let replica = try LocalReplica.create(at: path, user: try UserName("bench"))
        let workload = try ApplyBenchmark.workload(operations: 20_000)
        try replica.recordServerKeys(ApplyBenchmark.bindings(workload))
        _ = try replica.apply(workload, origin: .server)
        let articles = try replica.articles()
        precondition(articles.isEmpty, "the workload imports no articles")
        let articleFile = folder.appendingPathComponent("001_bench.txt")
        try "A benchmark article\n\nWith some text.".write(to: articleFile, atomically: true, encoding: .utf8)
        _ = try replica.importArticles(from: [try ArticleFile(path: articleFile.path)])
    }

    /// Runs a command to completion with posix_spawn (Foundation's Process adds tens of
    /// milliseconds of its own on Linux), output to /dev/null, and returns the wall time.
    static func time(_ executable: String, _ arguments: [String]) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var status: Int32 = 0
        let seconds = try Measure.seconds {
            guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
                throw BenchError("cannot start \(executable)")
            }
            waitpid(pid, &status, 0)
        }
        guard status == 0 else { throw BenchError("\(executable) \(arguments.joined(separator: " ")) failed (\(status))") }
        return seconds
    }

    static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
