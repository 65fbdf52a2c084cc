import ArgumentParser
import Replica

extension Annot {
    struct Done: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "done",
            abstract: "Mark articles as coded by you.",
            discussion: """
                Agreement ('annot agree') counts your codings of an article only once you mark it \
                done: until then your value is missing, not "no code". 'annot list --todo' lists \
                the articles you have not marked; 'annot undone ID' takes a mark back. Each user's \
                marks are their own and sync like everything else.

                Examples:
                  annot done 003 004
                  annot list --todo
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Article ids or unique prefixes.")
        var articles: [String]
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if articles.isEmpty { throw ValidationError("name at least one article ('annot list --todo' lists them)") }
        }

        func run() throws {
            try Done.report(try replica.open().mark(articles, done: true), output)
        }

        static func report(_ result: LocalReplica.StatusResult, _ output: OutputOptions) {
            if output.json { return Output.json(result) }
            let state = result.done ? "done" : "not done"
            for article in result.changed { Output.line("\(article): marked \(state)") }
            for article in result.unchanged { Output.line("\(article): already \(state)") }
        }
    }

    struct Undone: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "undone",
            abstract: "Take back your 'done' mark on articles.",
            discussion: "Your codings of them stay; agreement counts them again once you mark them done."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "Article ids or unique prefixes.")
        var articles: [String]
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if articles.isEmpty { throw ValidationError("name at least one article") }
        }

        func run() throws {
            try Done.report(try replica.open().mark(articles, done: false), output)
        }
    }
}
