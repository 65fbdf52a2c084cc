import ArgumentParser
import Replica

extension Annot {
    struct Conflicts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conflicts",
            abstract: "Show notes edited concurrently, and imports that clashed with an article's text.",
            discussion: "Resolve a note conflict by editing the note: 'annot note --edit NOTE TEXT'."
        )

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let report = try replica.open().conflicts()
            if output.json { return Output.json(report) }
            if report.isEmpty { return Output.line("No conflicts.") }
            for conflict in report.notes {
                Output.line("Note \(conflict.note) on \(conflict.article):")
                Output.line("  shown   \(conflict.current.author): \(conflict.current.body ?? "")")
                for other in conflict.others {
                    Output.line("  also    \(other.author): " + (other.body ?? "(deleted this note)"))
                }
            }
            for clash in report.imports {
                Output.line("Article \(clash.article): \(clash.author) imported a different text (\(clash.title)); it was not applied.")
            }
        }
    }
}
