import ArgumentParser
import Replica

extension Annot {
    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Tag an article.",
            discussion: """
                Tags are case-insensitive and may be hierarchical (talks/doha). They are at most 64 \
                characters, with no control characters and no empty parts.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String
        @Argument(help: "One or more tags.")
        var tags: [String]
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().tag(article, with: tags)
            if output.json { return Output.json(result) }
            if !result.added.isEmpty { Output.line("Tagged \(result.article): \(result.added.joined(separator: ", "))") }
            if !result.unchanged.isEmpty {
                Output.line("Already tagged \(result.article): \(result.unchanged.joined(separator: ", "))")
            }
        }
    }

    struct Untag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "untag",
            abstract: "Remove tags from an article.",
            discussion: "Someone who adds the same tag concurrently, before seeing your removal, keeps it: adds win."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String
        @Argument(help: "One or more tags.")
        var tags: [String]
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().untag(article, tags: tags)
            if output.json { return Output.json(result) }
            Output.line("Untagged \(result.article): \(result.removed.joined(separator: ", "))")
        }
    }

    struct Tags: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tags", abstract: "List the tag vocabulary with article counts.")

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let tags = try replica.open().tags()
            if output.json { return Output.json(tags) }
            if tags.isEmpty { return Output.line("No tags yet: add one with 'annot tag ARTICLE TAG'.") }
            let width = max(12, tags.map(\.tag.count).max() ?? 0)
            for tag in tags { Output.line(Output.column(tag.tag, width) + "  \(tag.articles)") }
        }
    }
}
