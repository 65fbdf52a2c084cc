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
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["ANNOT_REPLICA"], !path.isEmpty { return path }
        let data =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")
        return (data as NSString).appendingPathComponent("annot/replica.sqlite")
    }

    /// Opens the replica, which must exist.
    func open() throws -> LocalReplica {
        try LocalReplica.open(at: path)
    }
}

/// The `--json` flag of read commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of text.")
    var json = false
}
