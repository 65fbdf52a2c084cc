import ArgumentParser
import Replica
import SyncCore

extension Annot {
    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key",
            abstract: "Show and trust replica keys.",
            discussion: """
                Every replica signs its changesets with its own key, made by 'annot init'; the \
                private half never leaves the replica. A changeset is applied only when its key is \
                known to belong to its author: the sync server's directory says so for replicas that \
                sync, and teams that sync only by file trust each other's keys by hand, comparing \
                fingerprints out of band (trust on first use):

                  annot key show                              your key and its fingerprint
                  annot key trust KEY bob                     bob's key, as bob's 'annot key show' printed it
                  annot key trust KEY carol --role curator    carol may also import articles
                """,
            subcommands: [Show.self, List.self, Trust.self]
        )

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show this replica's public key.")
            @OptionGroup var replica: ReplicaOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                let identity = try replica.open().identity()
                if output.json {
                    return Output.json([
                        "key": identity.key.rawValue, "fingerprint": identity.key.fingerprint,
                        "user": identity.user.rawValue, "replica": identity.replica.rawValue,
                    ])
                }
                Output.line("\(identity.key.rawValue)")
                Output.line("user \(identity.user), replica \(identity.replica), fingerprint \(identity.key.fingerprint)")
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys this replica knows.")
            @OptionGroup var replica: ReplicaOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                let keys = try replica.open().keys()
                if output.json { return Output.json(keys) }
                for entry in keys {
                    Output.line("\(entry.user)\t\(entry.source)\(entry.role.map { " (\($0))" } ?? "")\t\(entry.fingerprint)\t\(entry.key)")
                }
            }
        }

        struct Trust: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "trust", abstract: "Trust a key as another analyst's (for sync by file).")
            @OptionGroup var replica: ReplicaOptions
            @Argument(help: "The key, 64 hex digits, as 'annot key show' prints it.")
            var key: String
            @Argument(help: "The analyst it belongs to.")
            var user: String
            @Option(help: "curator to also accept the articles this key imports.")
            var role: String?

            func validate() throws {
                do { _ = try ReplicaKey(key) } catch { throw ValidationError(error.description) }
                do { _ = try UserName(user) } catch { throw ValidationError(error.description) }
                if let role, !["annotator", "curator", "admin"].contains(role) {
                    throw ValidationError("--role must be annotator, curator or admin")
                }
            }

            func run() throws {
                let key = try ReplicaKey(key)
                let released = try replica.open().trust(key: key, user: try UserName(user), role: role)
                Output.line("Trusted \(key.fingerprint) as \(user)'s key\(released > 0 ? "; applied \(released) held changeset(s)" : "").")
            }
        }
    }
}
