import Foundation

/// Benchmarks of sync over loopback, driving the real `syncd` and `annot` release binaries
/// that sit beside this one.
///
///     swift build -c release --static-swift-stdlib
///     .build/release/SyncBench [fresh|incremental|concurrent|wire|writers|live|reads|bootstrap|instances|all]
///                              [--runs N] [--quick] [--instances N] [--rate OPS] [--syncd-arg ARG]... [--serve-arg ARG]... [--postgres URL] [--no-replay]
///
/// Figures are medians over the runs, each beside a baseline measured in the same run;
/// BENCHMARKS.md records what was measured.
@main
struct SyncBench {
    static func main() async {
        do {
            let options = try SyncBenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
            if options.help {
                print(SyncBenchOptions.usage)
                return
            }
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("SyncBench: error: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: SyncBenchOptions) async throws {
        let context = try BenchContext(options: options)
        defer { context.removeFolder() }
        Interruption.shared.install(removing: context.folder)
        Output.line(
            "sync benchmarks, \(Date().formatted(.iso8601)), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        Output.line("command: \(CommandLine.arguments.joined(separator: " "))")
        Output.line("binaries: \(context.syncd.path), \(context.annot)")
        if !options.syncdArguments.isEmpty {
            Output.line("syncd store arguments: \(options.syncdArguments.joined(separator: " "))")
        }
        if !options.serveArguments.isEmpty {
            Output.line("syncd serve arguments: \(options.serveArguments.joined(separator: " "))")
        }
        let sizes = options.sizes
        if options.runs(.fresh) {
            try await FreshPullBenchmark(context: context, operations: sizes.freshOperations).run()
        }
        if options.runs(.incremental) {
            try await IncrementalSyncBenchmark(context: context, histories: sizes.histories, newOperations: 10).run()
        }
        if options.runs(.concurrent) {
            try await ConcurrentClientsBenchmark(
                context: context, clients: 32, instances: options.instances, duration: sizes.concurrentDuration,
                rate: options.rate
            ).run()
        }
        if options.runs(.wire) {
            try await WireSizeBenchmark(context: context, operations: sizes.wireOperations).run()
        }
        if options.runs(.writers) {
            try await LocalWritesBenchmark(context: context, operations: sizes.catchUpOperations).run()
        }
        if options.runs(.live) {
            try await LiveSyncBenchmark(context: context, rounds: sizes.liveRounds).run()
        }
        if options.runs(.reads) {
            try await ReadsBenchmark(context: context, histories: sizes.histories).run()
        }
        if options.runs(.bootstrap) {
            try await BootstrapBenchmark(context: context, operations: sizes.bootstrapOperations, replay: options.replay).run()
        }
        if options.runs(.instances), let postgres = options.postgres {
            try await InstancesBenchmark(context: context, adminURL: postgres, duration: sizes.concurrentDuration).run()
        }
    }
}
