import ArgumentParser
import Replica

extension Annot {
    struct Highlight: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "highlight",
            abstract: "Highlight a passage of an article, optionally with codes and a note.",
            discussion: """
                The quote must match the article's text exactly. When it appears more than once, \
                choose with --occurrence. The highlight records the quote with its context and its \
                offsets, as W3C Web Annotation selectors do. --delete ID removes a highlight.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String?
        @Option(help: "The exact text to highlight.")
        var quote: String?
        @Option(help: "Which appearance of the quote, from 1.")
        var occurrence: Int?
        @Option(help: "A note to attach to the highlight.")
        var note: String?
        @Option(name: .customLong("tag"), help: ArgumentHelp("Code the highlighted span (repeatable).", valueName: "code"))
        var tags: [String] = []
        @Option(help: ArgumentHelp("Delete this highlight instead.", valueName: "highlight"))
        var delete: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if delete != nil {
                guard article == nil, quote == nil, note == nil, tags.isEmpty else {
                    throw ValidationError("--delete takes only the highlight's id")
                }
            } else {
                guard article != nil else { throw ValidationError("name the article to highlight") }
                guard let quote, !quote.isEmpty else { throw ValidationError("give the passage with --quote TEXT") }
            }
        }

        func run() throws {
            let opened = try replica.open()
            if let delete {
                let id = try opened.deleteHighlight(delete)
                if output.json { return Output.json(["highlight": id, "action": "deleted"]) }
                return Output.line("Highlight \(id) deleted.")
            }
            let result = try opened.highlight(article!, quote: quote!, occurrence: occurrence, note: note, tags: tags)
            if output.json { return Output.json(result) }
            Output.line(result.highlight)
            if let note = result.note { Output.line("Note \(note) attached.") }
            if !result.tags.isEmpty { Output.line("Coded: \(result.tags.joined(separator: ", "))") }
        }
    }
}
