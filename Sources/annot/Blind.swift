import ArgumentParser
import Replica

extension Annot {
    struct Blind: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "blind",
            abstract: "Show only your own codes and notes (blind coding), or everyone's again.",
            discussion: """
                With blind mode on, 'list', 'show', 'tags', 'search' and 'notes' show only the \
                codes, highlights and notes you made, so that coders do not influence each other; \
                'agree', 'disagreements', 'blame' and 'log' refuse to run. Everything still syncs. The setting \
                belongs to this replica and is not synced. Without an argument, says whether it is on.

                Examples:
                  annot blind on
                  annot blind off
                """
        )

        enum Mode: String, ExpressibleByArgument, CaseIterable {
            case on
            case off
        }

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "on or off.")
        var mode: Mode?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let opened = try replica.open()
            if let mode { try opened.setBlind(mode == .on) }
            let on = try opened.isBlind()
            if output.json { return Output.json(["blind": on]) }
            Output.line(on ? "blind mode is on: views show only your own codes and notes" : "blind mode is off")
        }
    }
}
