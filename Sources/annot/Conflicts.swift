import ArgumentParser
import Replica

extension Annot {
    struct Conflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show notes edited concurrently, and imports that clashed with an article's text.",
            discussion: "Resolve a note conflict by editing the note: 'annot note --edit NOTE TEXT'."
        )

        @OptionGroup var replica: ReplicaOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let report = try replica.open().conflicts()
            if output.json { return Output.json(report) }
            if report.isEmpty { return print("No conflicts.") }
            for conflict in report.notes {
                print("Note \(conflict.note) on \(conflict.article):")
                print("  shown   \(conflict.current.author): \(conflict.current.body ?? "")")
                for other in conflict.others {
                    print("  also    \(other.author): " + (other.body ?? "(deleted this note)"))
                }
            }
            for clash in report.imports {
                print("Article \(clash.article): \(clash.author) imported a different text (\(clash.title)); it was not applied.")
            }
        }
    }
}
