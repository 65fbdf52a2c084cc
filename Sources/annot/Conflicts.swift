import ArgumentParser
import Replica

extension Annot {
    struct Conflicts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conflicts",
            abstract: "Show notes and memos edited concurrently, codes renamed concurrently, and clashing imports.",
            discussion: """
                Resolve a note conflict by editing the note ('annot note --edit NOTE TEXT'), a rename                 conflict by renaming the code again ('annot tag mv'), a memo conflict with                 'annot tag describe'.
                """
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
            for conflict in report.codes {
                Output.line("Code '\(conflict.tag)' was renamed concurrently:")
                for (word, version) in [("shown", conflict.current)] + conflict.others.map({ ("also", $0) }) {
                    let what = version.mergedInto.map { "merged it into '\($0)'" } ?? "renamed it '\(version.name ?? "")'"
                    Output.line("  \(Output.column(word, 7)) \(version.author): \(what)")
                }
            }
            for conflict in report.memos {
                Output.line("Memo of '\(conflict.tag)':")
                Output.line("  shown   \(conflict.current.author): \(conflict.current.body ?? "")")
                for other in conflict.others {
                    Output.line("  also    \(other.author): " + (other.body ?? "(cleared the memo)"))
                }
            }
            for clash in report.imports {
                Output.line("Article \(clash.article): \(clash.author) imported a different text (\(clash.title)); it was not applied.")
            }
        }
    }
}
