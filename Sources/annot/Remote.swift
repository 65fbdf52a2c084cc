import ArgumentParser
import Foundation
import Replica

extension Annot {
    struct Remote: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remote",
            abstract: "Set or show the sync server.",
            subcommands: [Set.self, Show.self]
        )

        struct Set: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set",
                abstract: "Point this replica at a sync server.",
                discussion: "The token comes from the server's admin ('syncd user add NAME'). It is kept in the replica file."
            )
            @OptionGroup var replica: ReplicaOptions
            @Argument(help: "The server's URL, e.g. http://127.0.0.1:8080.")
            var url: String
            @Option(help: "Your bearer token.")
            var token: String

            func validate() throws {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
                else { throw ValidationError("'\(url)' is not an http:// or https:// URL") }
                guard !token.isEmpty, !token.contains(where: \.isWhitespace) else {
                    throw ValidationError("the token must be one word, as 'syncd user add' printed it")
                }
            }

            func run() throws {
                let base = url.hasSuffix("/") ? String(url.dropLast()) : url
                try replica.open().setRemote(url: base, token: token)
                Output.line("Remote set to \(base). Run 'annot sync' to send and receive changes.")
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the sync server.")
            @OptionGroup var replica: ReplicaOptions

            func run() throws {
                guard let remote = try replica.open().remote() else { return Output.line("No remote: set one with 'annot remote set URL --token TOKEN'.") }
                Output.line(remote.url)
            }
        }
    }
}
