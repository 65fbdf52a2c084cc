import ArgumentParser
import Replica

extension Annot {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log", abstract: "Show who changed what, and when, newest first.",
            discussion: """
                Each line names its changeset (what 'annot undo' takes). With --tag, the history of                 one code: its names, merges and memos over time.
                """)

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Only this article (with its notes and highlights).")
        var article: String?
        @Option(help: "The history of this code instead.")
        var tag: String?
        @Option(help: "At most this many entries.")
        var limit = 50
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard article == nil || tag == nil else { throw ValidationError("give an article or --tag, not both") }
            let entries = try replica.open().log(article: article, tag: tag, limit: limit)
            if output.json { return Output.json(entries) }
            if entries.isEmpty { return Output.line("Nothing yet.") }
            for entry in entries {
                Output.line("\(entry.time)  \(entry.changeset.prefix(12))  \(Output.column(entry.author, 12)) \(entry.summary)")
            }
        }
    }
}
