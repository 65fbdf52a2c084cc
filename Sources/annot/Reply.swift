import ArgumentParser
import Replica

extension Annot {
    struct Reply: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reply",
            abstract: "Reply to a note: a new note in its thread.",
            discussion: """
                Replies merge like notes (edit them with 'annot note --edit'), are found by \
                'annot search', and stay when the note they answer is deleted. 'annot notes' \
                shows them under their note.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "The note's id or a unique prefix of it.")
        var note: String
        @Argument(help: "The reply.")
        var text: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let id = try replica.open().reply(to: note, body: text)
            if output.json { return Output.json(["note": id, "replyTo": note]) }
            Output.line(id)
        }
    }
}
