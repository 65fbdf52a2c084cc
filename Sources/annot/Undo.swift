import ArgumentParser
import Replica

extension Annot {
    struct Undo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "undo",
            abstract: "Undo your last change (or the changeset named), with new operations.",
            discussion: """
                Each command you run makes one changeset; 'annot log' and 'annot blame' show their \
                ids. Undo writes new operations that take it back: codes added are removed, codes \
                removed are added again, notes get their previous text, highlights made are \
                deleted, renames and merges are reverted. It works after a sync too; what others \
                changed since is left alone. Run it again to undo the change before. Imports and \
                highlight deletions cannot be undone.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "A changeset id or a unique prefix of it; your last one by default.")
        var changeset: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let result = try replica.open().undo(changeset)
            if output.json { return Output.json(result) }
            Output.line("Undid changeset \(result.undone.prefix(12)) (as \(result.changeset.prefix(12))):")
            for operation in result.operations { Output.line("  \(operation)") }
        }
    }
}
