import ArgumentParser
import Replica

extension Annot {
    /// `annot tag`: codes articles and spans, and keeps the codebook (its subcommands).
    struct TagGroup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Code an article, or rename, move, merge and describe codes.",
            discussion: """
                'annot tag ARTICLE CODE...' codes a whole article ('annot tag add' spelled out, for an \
                article called like a subcommand). A code keeps its identity when it is renamed or \
                moved, so codings made by its old name, even offline, land on it.

                Examples:
                  annot tag 003 precondition talks/doha
                  annot tag 003 --highlight 4f2a ceasefire     code a highlight (a span)
                  annot tag mv talks/doha negotiations/doha    rename or move, with its subtree
                  annot tag merge truce ceasefire              fold truce into ceasefire
                  annot tag describe ceasefire "Any halt to fighting, formal or not."
                """,
            subcommands: [Tag.self, TagMove.self, TagMerge.self, TagDescribe.self],
            defaultSubcommand: Tag.self
        )
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Code an article (or one of its highlights).",
            discussion: """
                Codes are case-insensitive and may be hierarchical (talks/doha). They are at most 64 \
                characters, with no control characters and no empty parts. A code no one has used \
                yet is added to the codebook.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String
        @Argument(help: "One or more codes.")
        var tags: [String]
        @Option(help: ArgumentHelp("Code this highlight of the article (a span) instead of the whole article.", valueName: "highlight"))
        var highlight: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().tag(article, with: tags, highlight: highlight)
            if output.json { return Output.json(result) }
            let target = highlight.map { "\(result.article) (highlight \($0))" } ?? result.article
            if !result.added.isEmpty { Output.line("Tagged \(target): \(result.added.joined(separator: ", "))") }
            if !result.unchanged.isEmpty {
                Output.line("Already tagged \(target): \(result.unchanged.joined(separator: ", "))")
            }
        }
    }

    struct TagMove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mv",
            abstract: "Rename or move a code, with every code below it.",
            discussion: """
                'annot tag mv talks/doha negotiations/doha' moves the code and its subtree. Codings \
                keep pointing at the code, so colleagues who code by the old name offline land on \
                it. When a code is already called NEW, this is a merge: OLD is folded into NEW \
                (see 'annot tag merge'), and the output says so. Two concurrent renames end with \
                one name everywhere; 'annot conflicts' shows the other until someone renames again.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The code's current name (path).")
        var old: String
        @Argument(help: "Its new name (path).")
        var new: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().renameTag(old, to: new)
            if output.json { return Output.json(result) }
            if result.merged {
                Output.line("'\(result.to)' exists: merged '\(result.from)' into it ('annot undo' takes it back).")
            } else {
                Output.line("Renamed '\(result.from)' to '\(result.to)'.")
            }
        }
    }

    struct TagMerge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Fold one code into another.",
            discussion: """
                The codings, memo and subcodes of A count as B's from now on, wherever B is later \
                renamed or moved. A concurrent rename of A does not undo the merge; 'annot undo' does.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The code to fold in.")
        var from: String
        @Argument(help: "The code that remains.")
        var into: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().mergeTag(from, into: into)
            if output.json { return Output.json(result) }
            Output.line("Merged '\(result.from)' into '\(result.to)'.")
        }
    }

    struct TagDescribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "describe",
            abstract: "Set a code's memo: what it means and when to apply it.",
            discussion: """
                An empty TEXT clears the memo. Memos merge like notes: concurrent edits are kept, \
                and 'annot conflicts' shows them until someone writes the memo again.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The code.")
        var tag: String
        @Argument(help: "The memo.")
        var text: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let path = try replica.open().describeTag(tag, memo: text)
            if output.json { return Output.json(["tag": path, "memo": text]) }
            Output.line(text.isEmpty ? "Cleared the memo of '\(path)'." : "Described '\(path)'.")
        }
    }

    struct Untag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "untag",
            abstract: "Remove codes from an article (or one of its highlights).",
            discussion: "Someone who adds the same code concurrently, before seeing your removal, keeps it: adds win."
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The article's id or a unique prefix of it.")
        var article: String
        @Argument(help: "One or more codes.")
        var tags: [String]
        @Option(help: ArgumentHelp("Remove the codes from this highlight of the article.", valueName: "highlight"))
        var highlight: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().untag(article, tags: tags, highlight: highlight)
            if output.json { return Output.json(result) }
            Output.line("Untagged \(result.article): \(result.removed.joined(separator: ", "))")
        }
    }

    struct Tags: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tags",
            abstract: "Show the codebook as a tree, with counts of articles and spans.",
            discussion: "'annot codebook' adds memos and creators."
        )

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let tags = try replica.open().tags()
            if output.json { return Output.json(tags) }
            if tags.isEmpty { return Output.line("No tags yet: add one with 'annot tag ARTICLE TAG'.") }
            let rows = tags.map { (Self.indented($0.tag), $0) }
            let width = max(12, rows.map(\.0.count).max() ?? 0)
            Output.line(Output.column("code", width) + "  articles  spans")
            for (label, tag) in rows {
                Output.line(Output.column(label, width) + "  " + Output.column(String(tag.articles), 8) + "  \(tag.spans)")
            }
        }

        /// A path shown as a tree line: its last label, indented by its depth.
        static func indented(_ path: String) -> String {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            return String(repeating: "  ", count: parts.count - 1) + (parts.last.map(String.init) ?? path)
        }
    }

    struct Codebook: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "codebook",
            abstract: "Show the codebook: the tree of codes with memos, counts and who made each."
        )

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let codes = try replica.open().codebook()
            if output.json { return Output.json(codes) }
            if codes.isEmpty { return Output.line("No tags yet: add one with 'annot tag ARTICLE TAG'.") }
            for code in codes {
                let depth = code.tag.split(separator: "/").count - 1
                let indent = String(repeating: "  ", count: depth)
                let flag = code.conflicted ? "  (conflict: see 'annot conflicts')" : ""
                let counts = "\(code.articles) article\(code.articles == 1 ? "" : "s"), \(code.spans) span\(code.spans == 1 ? "" : "s")"
                let made = code.createdBy.isEmpty ? "" : ", by \(code.createdBy)"
                Output.line("\(indent)\(Tags.indented(code.tag).drop(while: { $0 == " " }))  (\(counts)\(made))\(flag)")
                if let memo = code.memo {
                    for line in memo.split(separator: "\n", omittingEmptySubsequences: false) {
                        Output.line("\(indent)    \(line)")
                    }
                }
            }
        }
    }
}
