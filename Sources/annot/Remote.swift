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
                discussion: """
                    The token comes from the server's admin ('syncd user add NAME'). It is kept in the \
                    replica file, which only you can read. Without --token it is read from $ANNOT_TOKEN, \
                    else from standard input, so that it never shows in 'ps' or your shell's history:

                      annot remote set https://annot.example.org < token.txt
                      ANNOT_TOKEN=annot_… annot remote set https://annot.example.org
                    """
            )
            @OptionGroup var replica: ReplicaOptions
            @Argument(help: "The server's URL, e.g. http://127.0.0.1:8080.")
            var url: String
            @Option(help: "Your bearer token (better: $ANNOT_TOKEN or standard input, which 'ps' does not show).")
            var token: String?

            func validate() throws {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
                else { throw ValidationError("'\(url)' is not an http:// or https:// URL") }
                if let token { try Self.check(token) }
            }

            static func check(_ token: String) throws {
                guard !token.isEmpty, !token.contains(where: \.isWhitespace), token.utf8.count <= 512 else {
                    throw ValidationError("the token must be one word, as 'syncd user add' printed it")
                }
            }

            /// The token from --token, else $ANNOT_TOKEN, else the first line of standard input.
            func resolvedToken() throws -> String {
                if let token { return token }
                if let value = getenv("ANNOT_TOKEN"), !String(cString: value).isEmpty {
                    let token = String(cString: value)
                    try Self.check(token)
                    return token
                }
                if isatty(STDIN_FILENO) == 1 { Output.note("Token (from 'syncd user add'), then Enter:") }
                let input = FileHandle.standardInput.readData(ofLength: 4096)
                let token = String(decoding: input, as: UTF8.self).split(whereSeparator: \.isNewline).first
                    .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard !token.isEmpty else {
                    throw AnnotError("no token: give --token, set $ANNOT_TOKEN, or send it on standard input")
                }
                try Self.check(token)
                return token
            }

            func run() throws {
                let base = url.hasSuffix("/") ? String(url.dropLast()) : url
                try replica.open().setRemote(url: base, token: try resolvedToken())
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
