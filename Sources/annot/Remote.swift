import ArgumentParser
import Foundation
import Replica

extension Annot {
    struct Remote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or show the sync server.",
            subcommands: [Set.self, Show.self]
        )

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
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

            func run() async throws {
                let base = url.hasSuffix("/") ? String(url.dropLast()) : url
                try replica.open().setRemote(url: base, token: token)
                print("Remote set to \(base). Run 'annot sync' to send and receive changes.")
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show the sync server.")
            @OptionGroup var replica: ReplicaOptions

            func run() async throws {
                guard let remote = try replica.open().remote() else { return print("No remote: set one with 'annot remote set URL --token TOKEN'.") }
                print(remote.url)
            }
        }
    }
}
