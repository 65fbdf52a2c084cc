import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SyncCore
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
        @Option(help: "Most operations one push may hold.")
        var maxOperations = SyncServerConfiguration().maxOperationsPerRequest
        @Option(help: "How far ahead of this server's clock a timestamp may be, in seconds.")
        var maxDriftSeconds = Int(SyncServerConfiguration().maxDrift / 1000)
        @Option(help: ArgumentHelp("Write the port listened on to this file once ready.", valueName: "path"))
        var portFile: String?
        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
            guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
            guard maxOperations >= Changeset.maxOperations else {
                throw ValidationError("--max-operations must be at least \(Changeset.maxOperations), the size of the largest changeset")
            }
            guard maxDriftSeconds >= 0 else { throw ValidationError("--max-drift-seconds must be 0 or more") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        }

        func run() async throws {
            var logger = Logger(label: "syncd")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            var configuration = SyncServerConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.maxBodyBytes = maxBodyBytes
            configuration.maxOperationsPerRequest = maxOperations
            configuration.maxDrift = UInt64(maxDriftSeconds) * 1000
            let changeStore = try store.open(logger: logger)
            let portFile = self.portFile
            let host = self.host
            let app = SyncServer.buildApplication(store: changeStore, configuration: configuration, logger: logger) { port in
                if let portFile { try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
                // Unbuffered: whoever started syncd may be waiting for this line on a pipe.
                FileHandle.standardOutput.write(Data("syncd listening on http://\(host):\(port) (store: \(changeStore.location))\n".utf8))
            }
            try await app.runService()
        }
    }
}
