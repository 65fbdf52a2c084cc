import ArgumentParser
import Replica

extension Annot {
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show who changed what, and when, newest first.")

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Only this article (with its notes and highlights).")
        var article: String?
        @Option(help: "At most this many entries.")
        var limit = 50
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let entries = try replica.open().log(article: article, limit: limit)
            if output.json { return Output.json(entries) }
            if entries.isEmpty { return print("Nothing yet.") }
            for entry in entries {
                print("\(entry.time)  \(Output.column(entry.author, 12)) \(entry.summary)")
            }
        }
    }
}
