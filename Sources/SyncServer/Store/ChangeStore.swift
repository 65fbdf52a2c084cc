import ServiceLifecycle
import SyncCore

/// Where the server keeps the operation log and its users: the embedded SQLite store or
/// PostgreSQL, behind one protocol so that one conformance suite tests both.
///
/// Every method is atomic. A push is idempotent by operation id, and is durable (committed
/// to disk) when it returns.
public protocol ChangeStore: Sendable {
    /// Where the store keeps its data, for people (a file path, or a URL without password).
    var location: String { get }

    /// Services the store needs running while the server serves (a connection pool).
    var services: [any Service] { get }

    /// Makes the store ready: applies its schema migrations. Called once before serving.
    func prepare() async throws

    /// Appends changesets to the log, each atomically, skipping operations already held.
    /// - Complexity: O(operations pushed), whatever the size of the log.
    func push(_ changesets: [EncodedChangeset]) async throws -> PushOutcome

    /// Operations accepted after `cursor`, in acceptance order: at most about `limit`,
    /// never splitting a changeset.
    /// - Complexity: O(page), using the sequence index.
    func pull(after cursor: Int64, limit: Int) async throws -> PullPage

    /// The store's identity: a random id made when the store was created. A client whose
    /// cursors came from a store with another id must start over.
    func identity() async throws -> String

    /// Adds a user, or replaces the token and role of an existing one (which un-revokes it).
    func putUser(_ user: ServerUser, tokenHash: String) async throws
    /// The live (not revoked) user holding the token whose hash is given.
    func user(tokenHash: String) async throws -> ServerUser?
    /// Every user, revoked ones included, by name.
    func users() async throws -> [ServerUser]
    /// Revokes a user's token. - Returns: `false` when there is no such user.
    func revokeUser(named name: String) async throws -> Bool
}

extension ChangeStore {
    public var services: [any Service] { [] }
    public func prepare() async throws {}
}

/// A changeset ready for a store: its operations in canonical JSON.
public struct EncodedChangeset: Sendable {
    /// The changeset's id, its first operation's timestamp.
    public let id: String
    public let author: String
    public let operations: [(hlc: String, payload: String)]

    public init(_ changeset: Changeset) {
        id = changeset.id.description
        author = changeset.author.rawValue
        operations = changeset.operations.map { ($0.timestamp.description, WireFormat.encode($0)) }
    }
}

/// What a push did.
public struct PushOutcome: Sendable, Hashable, Codable {
    /// Operations the server did not hold before.
    public var accepted: Int
    /// Operations it already held (a retried push).
    public var duplicates: Int
    /// The greatest sequence number in the log after the push.
    public var head: Int64

    public init(accepted: Int, duplicates: Int, head: Int64) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.head = head
    }
}

/// One operation of the log.
public struct StoredOperation: Sendable, Hashable {
    public let seq: Int64
    public let changeset: String
    public let payload: String

    public init(seq: Int64, changeset: String, payload: String) {
        self.seq = seq
        self.changeset = changeset
        self.payload = payload
    }
}

/// A page of the log.
public struct PullPage: Sendable {
    /// The operations, in sequence order, whole changesets only.
    public let operations: [StoredOperation]
    /// The cursor to pull after next time.
    public let cursor: Int64
    /// Whether more operations follow the page.
    public let more: Bool

    public init(operations: [StoredOperation], cursor: Int64, more: Bool) {
        self.operations = operations
        self.cursor = cursor
        self.more = more
    }

    /// The operations grouped by changeset, as the wire format wants them.
    public var changesetGroups: [[String]] {
        WireFormat.changesetRuns(operations.lazy.map { (changeset: $0.changeset, payload: $0.payload) })
    }
}
