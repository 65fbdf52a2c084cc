import ArgumentParser
import Replica

extension Annot {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the articles.",
            discussion: "With --tag, only articles carrying that tag or one of its sub-tags (talks also matches talks/doha)."
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "Only articles with this tag.")
        var tag: String?
        @Flag(help: "Only the articles you have not marked done ('annot done').")
        var todo = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            let articles = try replica.open().articles(tagged: tag, todo: todo)
            if output.json { return Output.json(articles) }
            if articles.isEmpty {
                Output.line(
                    todo ? "Nothing to do: you marked every article\(tag == nil ? "" : " with this tag") done."
                        : tag == nil ? "No articles yet: import some with 'annot import PATH'." : "No article has this tag.")
                return
            }
            for article in articles {
                var line = Output.column(article.id, 22) + " " + Output.column(article.title, 60)
                if !article.tags.isEmpty { line += "  [" + article.tags.joined(separator: ", ") + "]" }
                if article.notes > 0 { line += "  \(article.notes) note\(article.notes == 1 ? "" : "s")" }
                if article.highlights > 0 { line += "  \(article.highlights) highlight\(article.highlights == 1 ? "" : "s")" }
                if article.spans > 0 { line += "  \(article.spans) coded span\(article.spans == 1 ? "" : "s")" }
                Output.line(line)
            }
        }
    }
}
