import ServiceLifecycle
import SyncCore

/// Where the server keeps the operation log, the key directory and its users: the embedded
/// SQLite store or PostgreSQL, behind one protocol so that one conformance suite tests both.
///
/// Every method is atomic. A push is idempotent by changeset, and is durable (committed to
/// disk) when it returns.
public protocol ChangeStore: MergedViewStore {
    /// Where the store keeps its data, for people (a file path, or a URL without password).
    var location: String { get }

    /// Services the store needs running while the server serves (a connection pool).
    var services: [any Service] { get }

    /// Makes the store ready: applies its schema migrations. Called once before serving.
    /// - Throws: ``SyncServerError`` `format_1_store` when the store holds unsigned
    ///   format-1 operations.
    func prepare() async throws

    /// Appends verified changesets to the log, all of them or none.
    ///
    /// A changeset held whole already counts as duplicates. The push is refused, and changes
    /// nothing, when one of its operations collides with a held operation of the same
    /// timestamp (409 `hlc_collision`), when a changeset is held in part (409
    /// `changeset_overlap`), or when a changeset's key is bound to another user than the
    /// pusher (403 `key_bound_elsewhere`). Keys not yet bound are bound to the pusher.
    /// - Complexity: O(operations pushed), whatever the size of the log.
    func push(_ changesets: [EncodedChangeset], by user: String) async throws -> SyncProtocol.PushOutcome

    /// Operations accepted after `cursor`, in acceptance order, whole changesets only:
    /// ending at the first changeset boundary at or past `limit` operations, and before
    /// the changeset that would take the page past `maxBytes` (``PullPageBuilder``).
    /// - Complexity: O(page), using the sequence index.
    func pull(after cursor: Int64, limit: Int, maxBytes: Int) async throws -> PullPage

    /// The content id of the operation at sequence number `seq`, or `nil` when there is none.
    func operationID(at seq: Int64) async throws -> String?

    /// The store's identity: a random id made when the store was created. A client whose
    /// cursors came from a store with another id must start over.
    func identity() async throws -> String

    /// Binds `key` to `user` unless it is bound already. - Returns: the key's owner.
    func claim(key: ReplicaKey, for user: String) async throws -> String
    /// Every key binding, with its user's current role.
    func keys() async throws -> [SyncProtocol.KeyBinding]

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

/// A verified changeset ready for a store: its id, key and signature, and its operations
/// in canonical JSON with their content ids.
public struct EncodedChangeset: Sendable {
    public struct Operation: Sendable {
        public let hlc: String
        public let id: String
        public let payload: String
    }

    /// The changeset's id, the SHA-256 of what its replica signed.
    public let id: String
    public let key: String
    public let replica: String
    public let signature: String
    public let author: String
    public let operations: [Operation]

    public init(_ changeset: Changeset) {
        id = changeset.id.rawValue
        key = changeset.key.rawValue
        replica = changeset.replica.rawValue
        signature = changeset.signature.rawValue
        author = changeset.author.rawValue
        operations = changeset.operations.map {
            Operation(hlc: $0.timestamp.description, id: $0.id.rawValue, payload: $0.canonicalJSON)
        }
    }
}

/// One operation of the log, with its changeset's key and signature.
public struct StoredOperation: Sendable, Hashable {
    public let seq: Int64
    public let changeset: String
    public let key: String
    public let signature: String
    public let payload: String

    public init(seq: Int64, changeset: String, key: String, signature: String, payload: String) {
        self.seq = seq
        self.changeset = changeset
        self.key = key
        self.signature = signature
        self.payload = payload
    }
}

extension ChangeStore {
    /// A page bounded in operations only.
    public func pull(after cursor: Int64, limit: Int) async throws -> PullPage {
        try await pull(after: cursor, limit: limit, maxBytes: .max)
    }
}

/// Builds a pull page from the log read in sequence order, for every store: whole
/// changesets only, stopping at the first changeset boundary at or past `limit`
/// operations, and before a changeset that would take the page's bytes past `maxBytes`
/// (a first changeset larger than that is sent alone: a page always moves the cursor).
///
/// A page's bytes are counted as the changes document spells it: each operation's stored
/// canonical JSON and a comma, and each changeset's key, signature and brackets.
public struct PullPageBuilder: Sendable {
    /// What a changeset adds to the document besides its operations:
    /// `{"key":"…64…","operations":[],"signature":"…128…"},`.
    public static let changesetOverhead = 240

    let cursor: Int64
    let limit: Int
    let maxBytes: Int
    private var operations: [StoredOperation] = []
    private var bytes = 0
    /// The changeset being read, not in the page yet.
    private var pending: [StoredOperation] = []
    private var pendingBytes = 0
    private var full = false

    public init(after cursor: Int64, limit: Int, maxBytes: Int) {
        self.cursor = cursor
        self.limit = limit
        self.maxBytes = maxBytes
    }

    /// The size `operation` adds to a page.
    public static func size(of operation: StoredOperation) -> Int { operation.payload.utf8.count + 1 }

    /// Offers the next operation of the log. - Returns: false once the page is complete
    /// (the operation is not in it); stop reading then.
    public mutating func offer(_ operation: StoredOperation) -> Bool {
        guard !full else { return false }
        if let first = pending.first, first.changeset != operation.changeset {
            guard take() else { return false }
            if operations.count >= limit {
                full = true
                return false
            }
        }
        if pending.isEmpty { pendingBytes = Self.changesetOverhead }
        pending.append(operation)
        pendingBytes += Self.size(of: operation)
        return true
    }

    /// Moves the pending changeset into the page, unless it would take the page past
    /// `maxBytes` (then the page is complete without it).
    private mutating func take() -> Bool {
        guard operations.isEmpty || bytes + pendingBytes <= maxBytes else {
            full = true
            return false
        }
        operations += pending
        bytes += pendingBytes
        pending = []
        pendingBytes = 0
        return true
    }

    /// The page, once `offer` said it is complete or the log has nothing more.
    public mutating func page() -> PullPage {
        if !full, !pending.isEmpty { _ = take() }
        return PullPage(operations: operations, cursor: operations.last?.seq ?? cursor, more: full)
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
    public var changesets: [RawChangeset] {
        WireFormat.changesetRuns(
            operations.lazy.map { (changeset: $0.changeset, key: $0.key, signature: $0.signature, payload: $0.payload) })
    }
}

/// The checks every store makes on a push, against what it already holds, so both stores
/// refuse exactly the same pushes.
enum PushAdmission {
    /// What the store holds of one timestamp.
    struct Held: Sendable {
        let id: String
        let changeset: String
    }

    /// Decides a push: which changesets are new, and how many operations are duplicates.
    /// - Parameters:
    ///   - held: what the store holds, by timestamp, for the push's timestamps.
    ///   - owners: the owner of each of the push's keys that is bound.
    /// - Throws: the push's ``SyncServerError``; nothing is to be stored then.
    static func admit(
        _ changesets: [EncodedChangeset], by user: String, held: [String: Held], owners: [String: String]
    ) throws -> (new: [EncodedChangeset], duplicates: Int) {
        var new: [EncodedChangeset] = []
        var duplicates = 0
        for changeset in changesets {
            if let owner = owners[changeset.key], owner != user {
                throw SyncServerError.keyBoundElsewhere(key: changeset.key, owner: owner, user: user)
            }
            var present = 0
            for operation in changeset.operations {
                guard let existing = held[operation.hlc] else { continue }
                guard existing.id == operation.id else {
                    throw SyncServerError.collision(hlc: operation.hlc, held: existing.id, received: operation.id)
                }
                guard existing.changeset == changeset.id else { throw SyncServerError.changesetOverlap(hlc: operation.hlc) }
                present += 1
            }
            if present == changeset.operations.count {
                duplicates += present
            } else if present > 0 {
                throw SyncServerError.changesetOverlap(hlc: changeset.operations[0].hlc)
            } else {
                new.append(changeset)
            }
        }
        return (new, duplicates)
    }
}
