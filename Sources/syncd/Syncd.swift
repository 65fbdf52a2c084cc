import ArgumentParser
import Foundation

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

    /// Errors print as one line, `syncd: error: …`; help and --version as usual.
    static func main() async {
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
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("syncd: error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
