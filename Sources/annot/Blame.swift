import ArgumentParser
import Replica
import SyncCore

extension Annot {
    struct Blame: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "blame",
            abstract: "Show every code, highlight and note on an article, with who made it and when.",
            discussion: "Codes are shown by their current names. The changeset column is what 'annot undo' takes."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let entries = try replica.open().blame(article)
            if output.json { return Output.json(entries) }
            if entries.isEmpty { return Output.line("Nothing on this article yet.") }
            for entry in entries {
                let id = entry.id.map { " [\(Output.short($0))]" } ?? ""
                let what = entry.kind == "tag" || entry.kind == "span-tag" ? entry.what : "\"\(Action.excerpt(entry.what))\""
                Output.line(
                    "\(entry.time)  \(entry.changeset.prefix(12))  \(Output.column(entry.author, 12)) "
                        + "\(Output.column(entry.kind, 9)) \(what)\(id)")
            }
        }
    }
}
