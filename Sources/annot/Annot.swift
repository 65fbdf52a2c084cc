import ArgumentParser
import Foundation
import StandardStreams

/// The analyst's command-line tool: annotate a shared corpus of articles on a local
/// replica, offline, and sync it with a server or by file.
@main
struct Annot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annot",
        abstract: "Annotate a shared corpus of articles, offline first.",
        discussion: """
            Every command works on your local replica, with no server. Articles are named by \
            their id or any unique prefix of it (`annot tag 003 precondition`), as git names commits.

            The replica is --replica PATH, else $ANNOT_REPLICA, else \
            $XDG_DATA_HOME/annot/replica.sqlite (~/.local/share/annot/replica.sqlite).

            Start with:
              annot init --user alice
              annot import ../shared/corpus
              annot tag 003 precondition
              annot list --tag precondition
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Import.self, List.self, Show.self, TagGroup.self, Untag.self, Tags.self, Codebook.self, Note.self,
            Reply.self, Notes.self, Highlight.self, Search.self, Blame.self, Log.self, Undo.self, Conflicts.self,
            Done.self, Undone.self, Blind.self, Agree.self, Disagreements.self, Adjudicate.self,
            Export.self, Changes.self, Apply.self, Remote.self, Sync.self, Status.self, Key.self, Upgrade.self,
        ]
    )

    /// Runs the command line. Errors are printed as one line, `annot: error: …`, with the
    /// exit code ArgumentParser assigns (64 for usage errors, 1 for failures); help and
    /// `--version` print as usual.
    ///
    /// Synchronous on purpose: every command, `sync` included, does blocking work one step at
    /// a time, and a synchronous main starts no concurrency runtime (threads, executors) for
    /// a command that lasts a few milliseconds.
    ///
    /// The plain forms of the most frequent commands skip ArgumentParser (see
    /// ``DirectInvocation``). The replicas a command opened are closed when it ends, and the
    /// process exits without tearing them down (see ``OpenedReplicas``). A failure to close
    /// after the command succeeded is a warning: what it wrote is committed, and failing
    /// would invite running it again.
    static func main() {
        // A reader that goes away (`annot list | head`) is a failed write, not a signal.
        StandardStreams.ignoreBrokenPipeSignal()
        do {
            // Swift turns bytes that are not UTF-8 into U+FFFD without a word: a tag or a
            // note would then hold something else than what was typed.
            for index in 1..<Int(CommandLine.argc) {
                guard let argument = CommandLine.unsafeArgv[index], String(validatingCString: argument) != nil else {
                    Output.note("annot: error: argument \(index) is not valid UTF-8 (see 'annot help')")
                    Foundation.exit(ExitCode.validationFailure.rawValue)
                }
            }
            let arguments = Array(CommandLine.arguments.dropFirst())
            // ArgumentParser reads `-dash` as the short flags -d -a -s -h, and -h is help: a
            // tag or text that starts with '-' would print help and exit 0, doing nothing.
            // annot has no short options but -h: refuse such a word before parsing.
            for argument in arguments.prefix(while: { $0 != "--" })
            where argument.count > 2 && argument.hasPrefix("-") && !argument.hasPrefix("--") && Int(argument) == nil {
                let command = arguments.first.map { "annot \($0) …" } ?? "annot …"
                throw ValidationError(
                    "unknown option '\(argument)': a value that starts with '-' goes after '--' (\(command) -- '\(argument)'), "
                        + "or, for an option, after '=' (--quote='\(argument)')")
            }
            var command = try DirectInvocation.command(for: arguments) ?? parseAsRoot(arguments)
            try command.run()
            try Output.flush()
            do {
                try OpenedReplicas.closeAll()
            } catch {
                Output.note("annot: warning: \(error)")
            }
        } catch let failure as StandardStreams.WriteFailure {
            try? OpenedReplicas.closeAll()
            // Whatever the command did is committed; its report is not whole. A reader that
            // went away needs no message.
            if !failure.isBrokenPipe { Output.note("annot: error: \(failure)") }
            Foundation.exit(failure.isBrokenPipe ? StandardStreams.brokenPipeStatus : StandardStreams.ioErrorStatus)
        } catch {
            try? OpenedReplicas.closeAll()
            let code = exitCode(for: error)
            if code == .success {
                Output.line(fullMessage(for: error), escaping: false)
                do { try Output.flush() } catch {
                    Foundation.exit(error.isBrokenPipe ? StandardStreams.brokenPipeStatus : StandardStreams.ioErrorStatus)
                }
                Foundation.exit(0)
            }
            var message =
                self.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            if error is ValidationError || code == .validationFailure {
                message += " (see 'annot help')"
            }
            Output.note("annot: error: \(message)")
            Foundation.exit(code.rawValue)
        }
        Foundation.exit(0)
    }
}
