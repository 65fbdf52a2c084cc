import ArgumentParser
import Foundation
import StandardStreams
import Hummingbird
import Logging
import SyncCore
import Snapshots
import SyncServer

extension Syncd {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the sync protocol over HTTP.",
            discussion: "Stops gracefully on SIGTERM or SIGINT, finishing requests in flight. --port 0 picks a free port."
        )

        @OptionGroup var store: StoreOptions
        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"
        @Option(help: "Port to listen on (0: any free port).")
        var port = 8080
        @Option(help: "Largest request body accepted, in bytes.")
        var maxBodyBytes = SyncServerConfiguration().maxBodyBytes
        @Option(help: ArgumentHelp("Most bytes of changes one pull page holds (a larger single changeset is sent alone).", valueName: "bytes"))
        var maxPullBytes = SyncServerConfiguration().maxPullBytes
        @Option(
            help: ArgumentHelp(
                "Bytes of the newest operations kept in memory for clients that are nearly up to date, so that they do not each read the store (0: none).",
                valueName: "bytes"))
        var pullCacheBytes = SyncServerConfiguration().pullCacheBytes
        @Option(help: "Most operations one push may hold.")
        var maxOperations = SyncServerConfiguration().maxOperationsPerRequest
        @Option(help: "How far ahead of this server's clock a timestamp may be, in seconds.")
        var maxDriftSeconds = Int(SyncServerConfiguration().maxDrift / 1000)
        @Option(help: ArgumentHelp("Close a connection that sends nothing for this long after opening or after a response.", valueName: "seconds"))
        var idleTimeout = 60.0
        @Option(help: ArgumentHelp("A request head must be whole within this long of its first byte.", valueName: "seconds"))
        var headerTimeout = 10.0
        @Option(help: ArgumentHelp("A request body must be whole within this long of its head.", valueName: "seconds"))
        var bodyTimeout = 60.0
        @Option(help: ArgumentHelp("While a connection's send buffer is full, the client must read some of it within every this long.", valueName: "seconds"))
        var sendTimeout = 60.0
        @Option(help: "Most connections open at once (lowered to fit the file descriptor limit); at the cap, the one waiting longest for its client is closed.")
        var maxConnections = SyncServerConfiguration().maxConnections
        @Option(help: ArgumentHelp("Bytes of changes one user may push per quota window (0: no limit).", valueName: "bytes"))
        var quotaBytes = SyncServerConfiguration().quotaBytes
        @Option(help: ArgumentHelp("Operations one user may push per quota window (0: no limit).", valueName: "count"))
        var quotaOperations = SyncServerConfiguration().quotaOperations
        @Option(help: ArgumentHelp("The quota window.", valueName: "seconds"))
        var quotaWindow = Int(SyncServerConfiguration().quotaWindow.components.seconds)
        @Option(
            help: ArgumentHelp(
                "Keep the server's snapshots (a replica of its log, and the files new replicas start from) in this folder; default: DIR/snapshots with --data, none with --store.",
                valueName: "dir"))
        var snapshots: String?
        @Flag(help: "Serve no snapshots: new replicas pull the whole log.")
        var noSnapshots = false
        @Option(help: ArgumentHelp("Publish no snapshot of a log shorter than this.", valueName: "operations"))
        var snapshotMinOperations = SnapshotMaker.Policy().minimumOperations
        @Option(help: ArgumentHelp("Write the port listened on to this file once ready.", valueName: "path"))
        var portFile: String?
        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
            guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
            guard maxPullBytes >= 64 * 1024 else { throw ValidationError("--max-pull-bytes must be at least 65536") }
            guard maxOperations >= Changeset.maxOperations else {
                throw ValidationError("--max-operations must be at least \(Changeset.maxOperations), the size of the largest changeset")
            }
            guard pullCacheBytes >= 0 else { throw ValidationError("--pull-cache-bytes must be 0 or more") }
            guard maxDriftSeconds >= 0 else { throw ValidationError("--max-drift-seconds must be 0 or more") }
            for (name, value) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--send-timeout", sendTimeout)] {
                guard value > 0, value <= 86_400 else { throw ValidationError("\(name) must be more than 0 and at most 86400 seconds") }
            }
            guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
            guard quotaBytes >= 0, quotaOperations >= 0 else { throw ValidationError("--quota-bytes and --quota-operations must be 0 or more") }
            guard (1...366 * 86_400).contains(quotaWindow) else { throw ValidationError("--quota-window must be from 1 second to 366 days") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
            guard snapshotMinOperations >= 1 else { throw ValidationError("--snapshot-min-operations must be at least 1") }
            if noSnapshots, snapshots != nil { throw ValidationError("give either --snapshots or --no-snapshots, not both") }
        }

        func run() async throws {
            var logger = Logger(label: "syncd")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            var configuration = SyncServerConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.maxBodyBytes = maxBodyBytes
            configuration.maxPullBytes = maxPullBytes
            configuration.maxOperationsPerRequest = maxOperations
            configuration.pullCacheBytes = pullCacheBytes
            configuration.maxDrift = UInt64(maxDriftSeconds) * 1000
            configuration.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
            configuration.headerTimeout = .milliseconds(Int64(headerTimeout * 1000))
            configuration.bodyTimeout = .milliseconds(Int64(bodyTimeout * 1000))
            configuration.sendTimeout = .milliseconds(Int64(sendTimeout * 1000))
            configuration.maxConnections = maxConnections
            configuration.quotaBytes = quotaBytes
            configuration.quotaOperations = quotaOperations
            configuration.quotaWindow = .seconds(quotaWindow)
            SyncServerConfiguration.raiseDescriptorLimit()
            if configuration.effectiveMaxConnections < maxConnections {
                logger.notice(
                    "connection cap lowered to fit the file descriptor limit",
                    metadata: ["max_connections": "\(configuration.effectiveMaxConnections)"])
            }
            let changeStore = try store.open(logger: logger)
            let portFile = self.portFile
            let host = self.host
            var maker: SnapshotMaker?
            if !noSnapshots, let folder = snapshots ?? store.data.map({ ($0 as NSString).appendingPathComponent("snapshots") }) {
                var policy = SnapshotMaker.Policy()
                policy.minimumOperations = snapshotMinOperations
                maker = SnapshotMaker(store: changeStore, folder: folder, policy: policy, logger: logger)
            }
            let app = SyncServer.buildApplication(store: changeStore, configuration: configuration, logger: logger, snapshots: maker) { port in
                // Unbuffered: whoever started syncd may be waiting for this line on a pipe. A
                // line that cannot be written stops the server at once, with one line on
                // standard error (and no port file): nobody would know where it listens.
                do {
                    try Syncd.output(["syncd listening on http://\(host):\(port) (store: \(changeStore.location))"])
                } catch {
                    StandardStreams.writeError("syncd: error: \(error)\n")
                    Foundation.exit(error is StandardStreams.WriteFailure ? StandardStreams.ioErrorStatus : 1)
                }
                if let portFile { try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
            }
            try await app.runService()
        }
    }
}
