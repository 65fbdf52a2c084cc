import ArgumentParser
import Replica

extension Annot {
    struct Disagreements: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disagreements",
            abstract: "List where coders disagree: per article and code, who applied it and who did not.",
            discussion: """
                Only coders who marked the article done count. Spans are compared by their exact \
                range. Each line shows the standing decision, if a curator made one ('annot \
                adjudicate').

                Examples:
                  annot disagreements
                  annot disagreements 003 --json
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Only this article (an id or unique prefix).")
        var article: String?
        @OptionGroup var coders: CoderOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let records = try replica.open().disagreements(article: article, users: coders.coders)
            if output.json { return Output.json(records) }
            if records.isEmpty { return Output.line("no disagreements among coders who marked articles done") }
            for record in records {
                let item = record.disagreement
                let span = item.span.map { " [\($0.start),\($0.end))" } ?? ""
                let applied = item.applied.map { coder in
                    item.highlights[coder].map { "\(coder) (highlight \(Output.short($0)))" } ?? coder
                }
                var line = "\(item.article)  \(item.code)\(span)  applied: \(applied.joined(separator: ", "))"
                line += "  not: \(item.notApplied.joined(separator: ", "))"
                for decision in record.decisions {
                    line += "  decision: \(decision.decision) by \(decision.decidedBy)"
                    if !decision.conflicts.isEmpty { line += " (conflicting decisions: 'annot export --layer adjudicated')" }
                }
                Output.line(line)
            }
        }
    }
}
