import Foundation
import GRDB
import Replica
import SyncCore

/// Benchmarks of the replica, each measured against a baseline in the same run.
///
///     swift build -c release --static-swift-stdlib
///     .build/release/AnnotBench [apply|process|codebook|agree|all] [--operations N] [--runs N]
///
/// Figures are medians over the runs; BENCHMARKS.md records what was measured.
@main
struct AnnotBench {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String, default value: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count,
                let number = Int(arguments[index + 1])
            else { return value }
            arguments.removeSubrange(index...(index + 1))
            return number
        }
        let operations = option("--operations", default: 100_000)
        let runs = option("--runs", default: 5)
        let which = arguments.first ?? "all"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("annot-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // ANNOT_BENCH_KEEP=1 keeps the replicas and files made, to look into a failure.
        let keep = ProcessInfo.processInfo.environment["ANNOT_BENCH_KEEP"] != nil
        defer { if keep { print("kept \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) } }

        print("annot benchmarks, \(Date().formatted(.iso8601)), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        if which == "apply" || which == "all" {
            try ApplyBenchmark(folder: folder, operations: operations, runs: runs).run()
        }
        if which == "process" || which == "all" {
            try ProcessBenchmark(folder: folder, runs: max(runs, 20)).run()
        }
        if which == "codebook" || which == "all" {
            try CodebookBenchmark(folder: folder, runs: max(runs, 11)).run()
        }
        if which == "agree" || which == "all" {
            try AgreeBenchmark(folder: folder, runs: max(runs, 11)).run()
        }
    }
}

/// Timing helpers.
enum Measure {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func format(_ value: Double, _ digits: Int = 2) -> String {
        String(format: "%.\(digits)f", value)
    }
}
