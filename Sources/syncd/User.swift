import ArgumentParser
import Foundation
import SyncServer

extension Syncd {
    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "user",
            abstract: "Manage the users who may sync.",
            subcommands: [Add.self, List.self, Revoke.self]
        )

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Add a user (or renew its token) and print its token, once.",
                discussion: """
                    Roles: reader (pull only), annotator (push own codes, notes and highlights), curator \
                    (also import articles), admin (also manage users). Only a hash of the token is stored.
                    """
            )
            @OptionGroup var store: StoreOptions
            @Argument(help: "The user's name, as in 'annot init --user'.")
            var name: String
            @Option(help: "reader, annotator, curator or admin.")
            var role: String

            func run() async throws {
                let user = try UserAdministration.validate(name: name, role: role)
                // The token is shown before it replaces the old one: a token that cannot be
                // shown (a full disk, a closed pipe) is never stored.
                let token = UserAdministration.newToken()
                try Syncd.output([token])
                do {
                    try await store.withStore { try await UserAdministration.add(user, token: token, to: $0) }
                } catch {
                    throw SyncServerError(.internalServerError, code: "not_stored", "the token printed above was not stored, and does not work: \(error)")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List users and their roles.")
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let users = try await store.withStore(existing: true, { try await $0.users() })
                try Syncd.output(users.map { "\($0.name)\t\($0.role.rawValue)\($0.revoked ? "\trevoked" : "")" })
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a user's token.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "The user's name.")
            var name: String

            func run() async throws {
                let name = self.name
                guard try await store.withStore(existing: true, { try await $0.revokeUser(named: name) }) else {
                    throw SyncServerError(.notFound, code: "not_found", "no user named '\(name)'")
                }
                try Syncd.output(["Revoked \(name)."])
            }
        }
    }
}
