import ArgumentParser
import Foundation
import Replica

/// The options every command that reads or writes the replica shares.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The replica file.", valueName: "path"))
    var replica: String?

    /// The replica's path: `--replica`, else `$ANNOT_REPLICA`, else the XDG data directory.
    var path: String {
        if let replica { return replica }
        if let path = Self.environment("ANNOT_REPLICA") { return path }
        let data =
            Self.environment("XDG_DATA_HOME")
            ?? ((Self.environment("HOME") ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        return (data as NSString).appendingPathComponent("annot/replica.sqlite")
    }

    /// Opens the replica, which must exist. It stays open until the command ends (see
    /// ``OpenedReplicas``).
    func open() throws -> LocalReplica {
        let opened = try LocalReplica.open(at: path)
        OpenedReplicas.keep(opened)
        return opened
    }

    /// A variable of the environment, `nil` when unset or empty. Read with `getenv`:
    /// `ProcessInfo` copies the whole environment into a dictionary on first use.
    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

/// The `--json` flag of read commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of text.")
    var json = false
}
