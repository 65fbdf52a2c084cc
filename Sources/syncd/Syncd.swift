import ArgumentParser
import Foundation
import StandardStreams

/// The sync daemon: merges the changesets of every replica and serves what each is missing.
@main
struct Syncd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncd",
        abstract: "The annot sync server.",
        discussion: """
            Start a server on a data folder, add users, and point replicas at it:
              syncd user add alice --role annotator --data /srv/annot   (prints alice's token once)
              syncd serve --data /srv/annot --port 8080
              annot remote set http://HOST:8080 --token TOKEN && annot sync
            """,
        version: "0.1.0",
        subcommands: [Serve.self, User.self]
    )

    /// Errors print as one line, `syncd: error: …`; help and --version as usual. Output
    /// that cannot be written is an error too (exit 74), never a crash.
    static func main() async {
        StandardStreams.ignoreBrokenPipeSignal()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                do {
                    try StandardStreams.writeOutput(Array((fullMessage(for: error) + "\n").utf8))
                } catch {
                    Foundation.exit(error.isBrokenPipe ? StandardStreams.brokenPipeStatus : StandardStreams.ioErrorStatus)
                }
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            StandardStreams.writeError("syncd: error: \(message)\n")
            if let failure = error as? StandardStreams.WriteFailure {
                Foundation.exit(failure.isBrokenPipe ? StandardStreams.brokenPipeStatus : StandardStreams.ioErrorStatus)
            }
            Foundation.exit(code.rawValue)
        }
    }

    /// Writes lines on standard output.
    /// - Throws: ``StandardStreams/WriteFailure`` when they cannot be written.
    static func output(_ lines: [String]) throws {
        try StandardStreams.writeOutput(Array(lines.map { $0 + "\n" }.joined().utf8))
    }
}
