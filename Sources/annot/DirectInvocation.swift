import ArgumentParser

/// The plain forms of the commands analysts run most often, read without ArgumentParser.
///
/// ArgumentParser finds a command's arguments at run time by reflecting on its property
/// wrappers, and each first question it asks the Swift runtime scans every protocol
/// conformance in the binary. In a process that lives a few milliseconds, skipping it saved
/// 2.7 to 2.9 ms of `annot tag`, half of what `sqlite3` takes to insert a row
/// (BENCHMARKS.md, AnnotBench (b)).
///
/// So `annot tag 003 precondition`, `annot untag 003 precondition` and
/// `annot note 003 "text"` are recognized here when they are in their plain form: the
/// command's name first, then its positional values, with `--replica PATH` (or
/// `--replica=PATH`) and `--json` each at most once, anywhere. Anything else (help,
/// `--version`, any other option, `--`, a value that starts with `-`, the wrong number of
/// values, a command that fails its validation) gets `nil`, and ArgumentParser parses the
/// command line as usual, with its help and its errors.
///
/// `DirectInvocationTests` checks, on known forms and on 4,000 command lines generated from
/// a fixed seed, that every one recognized here parses through ArgumentParser to the same
/// command with the same values.
enum DirectInvocation {
    /// The command `arguments` (without the program's name) run, when they are in a plain
    /// form; `nil` otherwise.
    static func command(for arguments: [String]) -> (any ParsableCommand)? {
        guard let name = arguments.first else { return nil }
        var replicaPath: String?
        var json = false
        var values: [String] = []
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            if argument == "--json" {
                guard !json else { return nil }
                json = true
            } else if argument == "--replica" {
                guard replicaPath == nil, let path = rest.popFirst(), !path.isEmpty, !path.hasPrefix("-") else {
                    return nil
                }
                replicaPath = path
            } else if argument.hasPrefix("--replica=") {
                let path = String(argument.dropFirst("--replica=".count))
                guard replicaPath == nil, !path.isEmpty else { return nil }
                replicaPath = path
            } else if argument.hasPrefix("-") {
                return nil
            } else {
                values.append(argument)
            }
        }
        let replica = ReplicaOptions.parsed(replica: replicaPath)
        let output = OutputOptions.parsed(json: json)
        var command: any ParsableCommand
        switch name {
        case "tag" where values.count >= 2 && !["add", "mv", "merge", "describe"].contains(values[0]):
            command = Annot.Tag.parsed(replica: replica, article: values[0], tags: Array(values[1...]), output: output)
        case "untag" where values.count >= 2:
            command = Annot.Untag.parsed(
                replica: replica, article: values[0], tags: Array(values[1...]), output: output)
        case "note" where values.count == 2:
            command = Annot.Note.parsed(replica: replica, article: values[0], text: values[1], output: output)
        default:
            return nil
        }
        do {
            try command.validate()
        } catch {
            return nil
        }
        return command
    }
}
