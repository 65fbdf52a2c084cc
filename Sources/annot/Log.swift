import ArgumentParser
import Replica

extension Annot {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Show who changed what, and when, newest first.")

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Only this article (with its notes and highlights).")
        var article: String?
        @Option(help: "At most this many entries.")
        var limit = 50
        @OptionGroup var output: OutputOptions

        func run() throws {
            let entries = try replica.open().log(article: article, limit: limit)
            if output.json { return Output.json(entries) }
            if entries.isEmpty { return Output.line("Nothing yet.") }
            for entry in entries {
                Output.line("\(entry.time)  \(Output.column(entry.author, 12)) \(entry.summary)")
            }
        }
    }
}
