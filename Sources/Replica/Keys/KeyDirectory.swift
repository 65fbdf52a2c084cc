import GRDB
import SyncCore

/// The replica's key directory (`keys` table): which user each replica key belongs to, and
/// what that says about a changeset received.
struct KeyDirectory {
    let db: Database

    init(_ db: Database) { self.db = db }

    /// What to do with a verified changeset.
    enum Verdict: Equatable {
        case apply
        case hold(String)
    }

    /// The roles that may import articles and adjudicate (docs/sync-model.md §4, "Who may import").
    static let importingRoles: Set<String> = ["curator", "admin"]

    /// This replica's user's role when the server has said it and it is not a curator's
    /// or admin's: what the server would refuse an import or a decision from; nil when the
    /// role allows them or is not known yet.
    func ownRoleBelowCurator() throws -> String? {
        guard let role = try String.fetchOne(db.cachedStatement(sql: "SELECT role FROM keys WHERE source = 'self'")) else {
            return nil
        }
        return Self.importingRoles.contains(role) ? nil : role
    }

    /// Decides whether a verified changeset may be applied: its key must be bound to its
    /// author. Imports and decisions that arrive by file also need a signer known as a
    /// curator (from the server's directory, or trusted by hand as one); the server checks
    /// those pushed to it.
    /// - Throws: ``ReplicaError/forgedAuthor(author:keyOwner:key:)`` when the key belongs
    ///   to someone else.
    func verdict(on changeset: Changeset, origin: Origin) throws -> Verdict {
        guard let binding = try Binding.fetchOne(
            db.cachedStatement(sql: "SELECT user_name, role, source FROM keys WHERE key = ?"),
            arguments: [changeset.key.rawValue])
        else {
            return .hold("signed by key \(changeset.key.rawValue.prefix(16))…, which this replica does not know yet")
        }
        guard binding.user_name == changeset.author.rawValue else {
            throw ReplicaError.forgedAuthor(
                author: changeset.author.rawValue, keyOwner: binding.user_name, key: changeset.key.rawValue)
        }
        if origin == .file, binding.source != "self",
            !Self.importingRoles.contains(binding.role ?? ""),
            let restricted = changeset.operations.first(where: \.action.requiresCurator)
        {
            let what = if case .importArticle = restricted.action { "imports articles" } else { "records adjudication decisions" }
            return .hold("\(what), and \(binding.user_name) is not known here as a curator")
        }
        return .apply
    }

    private struct Binding: FetchableRecord, Decodable {
        let user_name: String
        let role: String?
        let source: String
    }
}
