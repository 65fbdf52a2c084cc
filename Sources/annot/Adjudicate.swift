import ArgumentParser
import Replica

extension Annot {
    struct Adjudicate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "adjudicate",
            abstract: "Record the agreed coding of an article (curators).",
            discussion: """
                Decisions are a layer of their own: they never change the coders' codings, they \
                merge like notes (concurrent decisions are kept and shown), and 'annot export \
                --layer adjudicated' writes them. --accept says a code applies, --reject that it \
                does not, --clear removes a decision. With --highlight, the decision is on that \
                span. Only curators and admins adjudicate: the server refuses others' decisions.

                Examples:
                  annot adjudicate 003 --accept precondition --reject truce
                  annot adjudicate 003 --highlight 1a2b3c --accept ceasefire
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix.")
        var article: String
        @Option(help: "A code that applies (repeatable).")
        var accept: [String] = []
        @Option(help: "A code that does not apply (repeatable).")
        var reject: [String] = []
        @Option(help: "A code whose decision is withdrawn (repeatable).")
        var clear: [String] = []
        @Option(help: "Decide on this highlight (id or unique prefix) rather than the whole article.")
        var highlight: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().adjudicate(
                article, accept: accept, reject: reject, clear: clear, highlight: highlight)
            if output.json { return Output.json(result) }
            let target = result.article + (result.highlight.map { " (highlight \(Output.short($0)))" } ?? "")
            for (verb, codes) in [("accepted", result.accepted), ("rejected", result.rejected), ("cleared", result.cleared)]
            where !codes.isEmpty {
                Output.line("\(target): \(verb) \(codes.joined(separator: ", "))")
            }
        }
    }
}
