import ArgumentParser
import Replica
import SyncCore

extension Annot {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a local replica.",
            discussion: """
                Creates the replica file with a new Ed25519 key pair: the replica's id derives from \
                its public key, and every changeset you make is signed with the private key, which \
                never leaves the file. Your operations are authored as --user.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "Your user name: letters, digits, '.', '_' or '-'.")
        var user: String
        @OptionGroup var output: OutputOptions

        func validate() throws {
            do { _ = try UserName(user) } catch { throw ValidationError(error.description) }
        }

        func run() throws {
            let created = try LocalReplica.create(at: replica.path, user: try UserName(user))
            let identity = try created.identity()
            if output.json {
                Output.json([
                    "path": created.path, "replica": identity.replica.rawValue, "user": identity.user.rawValue,
                    "key": identity.key.rawValue, "fingerprint": identity.key.fingerprint,
                ])
            } else {
                Output.line("Created replica \(identity.replica) for \(identity.user) at \(created.path)")
                Output.line("Key fingerprint: \(identity.key.fingerprint)")
            }
        }
    }
}
