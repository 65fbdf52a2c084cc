import ArgumentParser
import Replica

extension Annot {
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Search the text of articles and notes.",
            discussion: "Every word must match, ignoring case and accents. --raw passes SQLite FTS5 syntax through."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Words to look for.")
        var query: [String]
        @Flag(help: "Treat the query as an SQLite FTS5 expression.")
        var raw = false
        @Option(help: "At most this many results of each kind.")
        var limit = 20
        @OptionGroup var output: OutputOptions

        func run() throws {
            let hits = try replica.open().search(query.joined(separator: " "), raw: raw, limit: limit)
            if output.json { return Output.json(hits) }
            if hits.isEmpty { return Output.line("No matches.") }
            for hit in hits {
                let label = hit.kind == "note" ? "note \(Output.short(hit.note ?? ""))" : "article"
                Output.line("\(hit.article)  \(label)  \(hit.title)")
                Output.line("    " + hit.snippet.split(whereSeparator: \.isNewline).joined(separator: " "))
            }
        }
    }
}
