import Foundation

/// The request and response shapes of the sync protocol (`docs/protocol.md`), defined once
/// for the server, the client and the benchmarks.
public enum SyncProtocol {
    /// `POST /v1/push`: what the server did with the changesets.
    public struct PushOutcome: Sendable, Hashable, Codable {
        /// Operations the server did not hold before.
        public var accepted: Int
        /// Operations of changesets it already held whole (a retried push).
        public var duplicates: Int
        /// The greatest sequence number in the log after the push.
        public var head: Int64

        public init(accepted: Int, duplicates: Int, head: Int64) {
            self.accepted = accepted
            self.duplicates = duplicates
            self.head = head
        }
    }

    /// One entry of the server's key directory: a replica key, bound to the user who first
    /// proved holding it.
    public struct KeyBinding: Sendable, Hashable, Codable {
        public let key: ReplicaKey
        public let replica: ReplicaID
        public let user: UserName
        /// The user's role now (`reader`, `annotator`, `curator`, `admin`).
        public let role: String

        public init(key: ReplicaKey, user: UserName, role: String) {
            self.key = key
            self.replica = key.replica
            self.user = user
            self.role = role
        }
    }

    /// `GET /v1/keys`.
    public struct KeyDirectory: Sendable, Hashable, Codable {
        public let keys: [KeyBinding]

        public init(keys: [KeyBinding]) { self.keys = keys }
    }

    /// `POST /v1/keys`: a replica claims its key for the authenticated user, proving that it
    /// holds the private key by signing ``message(user:key:)``.
    public struct KeyClaim: Sendable, Hashable, Codable {
        public let key: ReplicaKey
        public let signature: String

        public init(key: ReplicaKey, signature: String) {
            self.key = key
            self.signature = signature
        }

        /// A claim of `signer`'s key for `user`.
        public init(user: UserName, signer: ReplicaSigner) {
            self.init(key: signer.key, signature: signer.sign(Self.message(user: user, key: signer.key)).rawValue)
        }

        /// What the claim signs: `annot-key-claim 2`, the user and the key, one per line.
        public static func message(user: UserName, key: ReplicaKey) -> [UInt8] {
            Array("annot-key-claim 2\n\(user.rawValue)\n\(key.rawValue)\n".utf8)
        }

        /// Whether the signature proves that `user`'s replica holds the key.
        public func verifies(for user: UserName) -> Bool {
            guard let signature = try? ChangesetSignature(signature) else { return false }
            return key.verifies(signature, of: Self.message(user: user, key: key))
        }
    }

    /// `POST /v1/users`: a user to add, or whose token to renew.
    public struct NewUser: Sendable, Hashable, Codable {
        public let name: String
        public let role: String

        public init(name: String, role: String) {
            self.name = name
            self.role = role
        }

        private enum CodingKeys: String, CodingKey, CaseIterable { case name, role }

        /// Decodes `{"name", "role"}` and nothing else: a field this build does not know
        /// (a typo such as `"rol"`, or a newer client's option) is an error, not ignored.
        public init(from decoder: any Decoder) throws {
            struct AnyKey: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            let all = try decoder.container(keyedBy: AnyKey.self)
            if let unknown = all.allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
                throw DecodingError.dataCorruptedError(
                    forKey: unknown, in: all, debugDescription: "unknown field '\(unknown.stringValue)'")
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            role = try container.decode(String.self, forKey: .role)
        }
    }

    /// The answer to `POST /v1/users`: the new token, shown once.
    public struct IssuedToken: Sendable, Hashable, Codable {
        public let name: String
        public let role: String
        public let token: String

        public init(name: String, role: String, token: String) {
            self.name = name
            self.role = role
            self.token = token
        }
    }

    /// The body of every error answer: `{"error": {"code": …, "message": …}}`.
    public struct ErrorBody: Sendable, Hashable, Codable {
        public struct Detail: Sendable, Hashable, Codable {
            /// A stable, machine-readable code (`hlc_collision`, `import_forbidden`, …).
            public let code: String
            /// A sentence a person can act on.
            public let message: String
            /// For `malformed`: the wire format's own code for what is wrong.
            public let reason: String?
        }

        public let error: Detail

        public init(code: String, message: String, reason: String? = nil) {
            error = Detail(code: code, message: message, reason: reason)
        }
    }

    /// `GET /v1/pull?after=N&at=ID&limit=M`: a page of whole changesets after cursor N.
    ///
    /// `at` is the content id of the operation the client holds at sequence N; a server
    /// whose log holds another operation there (it was restored from a backup, or replaced)
    /// answers 409 `cursor_mismatch`, and the client starts over.
    public struct PullPage: Sendable {
        public let changesets: [Changeset]
        /// How many operations the page holds.
        public let operations: Int
        /// The cursor to pull after next time.
        public let cursor: Int64
        /// Whether more operations follow.
        public let more: Bool
        /// The server store's identity.
        public let store: String

        /// The content id of the page's last operation: what the client sends as `at` next.
        public var lastOperation: OperationID? { changesets.last?.operations.last?.id }

        public init(changesets: [Changeset], cursor: Int64, more: Bool, store: String) {
            self.changesets = changesets
            self.operations = changesets.reduce(0) { $0 + $1.operations.count }
            self.cursor = cursor
            self.more = more
            self.store = store
        }

        /// Decodes and verifies a pull answer.
        /// - Throws: ``SyncCoreError`` when it is not a pull answer or its changes do not verify.
        public init(decoding data: [UInt8]) throws(SyncCoreError) {
            let root: Any
            do {
                root = try JSONSerialization.jsonObject(with: Data(data))
            } catch {
                throw .malformed("the pull answer is not JSON")
            }
            guard let object = root as? [String: Any], let changes = object["changes"] as? [String: Any],
                let cursor = (object["cursor"] as? NSNumber)?.int64Value, let more = object["more"] as? Bool,
                let store = object["store"] as? String
            else { throw .malformed("the pull answer lacks changes, cursor, more or store") }
            self.init(changesets: try WireFormat.decode(document: changes), cursor: cursor, more: more, store: store)
        }

        /// The answer's bytes, with the changes spliced from stored canonical JSON.
        public static func encode(changes: [UInt8], cursor: Int64, more: Bool, store: String) -> [UInt8] {
            var bytes: [UInt8] = Array(#"{"changes":"#.utf8)
            bytes += changes
            var writer = JSONWriter(capacity: 96)
            writer.raw(",")
            writer.key("cursor", first: true)
            writer.value(Int(cursor))
            writer.key("more")
            writer.value(more)
            writer.key("store")
            writer.value(store)
            writer.raw("}")
            return bytes + writer.bytes
        }
    }

    /// Stable error codes of the protocol that clients act on.
    public enum ErrorCode {
        /// The pull cursor does not name the operation the client holds there.
        public static let cursorMismatch = "cursor_mismatch"
        /// Two different operations with one timestamp.
        public static let collision = "hlc_collision"
        /// A changeset part of which the server holds in another changeset.
        public static let changesetOverlap = "changeset_overlap"
        /// A key or replica id bound to another user.
        public static let keyBoundElsewhere = "key_bound_elsewhere"
        /// An import by a user who may not import.
        public static let importForbidden = "import_forbidden"
        /// An adjudication decision by a user who may not adjudicate.
        public static let decisionForbidden = "decision_forbidden"
    }
}

extension SyncProtocol {
    /// `GET /v1/articles`: one article of a page.
    public struct ArticleListing: Sendable, Hashable, Codable {
        public let id: String
        public let title: String
        /// The codes on the article as a whole, by their current paths.
        public let tags: [String]
        /// Live notes and highlights on the article.
        public let notes: Int
        public let highlights: Int

        public init(id: String, title: String, tags: [String], notes: Int, highlights: Int) {
            self.id = id
            self.title = title
            self.tags = tags
            self.notes = notes
            self.highlights = highlights
        }
    }

    /// `GET /v1/articles/{id}`: one article with its annotations.
    public struct ArticleDetail: Sendable, Hashable, Codable {
        public let article: CorpusSnapshot.Article
        /// The codes on the article as a whole, by their current paths.
        public let tags: [String]
        public let notes: [CorpusSnapshot.Note]
        public let highlights: [CorpusSnapshot.Highlight]

        public init(article: CorpusSnapshot.Article, tags: [String], notes: [CorpusSnapshot.Note], highlights: [CorpusSnapshot.Highlight]) {
            self.article = article
            self.tags = tags
            self.notes = notes
            self.highlights = highlights
        }
    }

    /// `GET /v1/tags`: one code of the codebook (codes merged into it included) with the
    /// number of articles it codes, as a whole or on a span.
    public struct CodeCount: Sendable, Hashable, Codable {
        public let tag: String
        public let articles: Int

        public init(tag: String, articles: Int) {
            self.tag = tag
            self.articles = articles
        }
    }
}

extension SyncProtocol {
    /// `GET /v1/snapshot`: the newest snapshot of the server's state, a replica database a new
    /// replica (or one far behind) can start from instead of replaying the log
    /// (docs/protocol.md §16). The file itself is at `GET /v1/snapshots/{sha256}`.
    public struct SnapshotManifest: Sendable, Hashable, Codable {
        /// What the file is: ``SnapshotManifest/replicaFormat``.
        public let format: String
        /// The replica schema of the file: the ids of the replica migrations it has, in order.
        public let schema: [String]
        /// The seq of the last operation it holds: a replica follows the log from there.
        public let cursor: Int64
        /// The content id of the operation at `cursor` (the `at` of the next pull).
        public let operation: String
        /// The identity of the store it was made from.
        public let store: String
        /// How many operations it holds.
        public let operations: Int64
        /// The file's SHA-256, 64 lowercase hex digits, and size in bytes.
        public let sha256: String
        public let bytes: Int64
        /// When it was made, in milliseconds since 1970.
        public let created: Int64

        /// The `format` of a snapshot: an `annot` replica database (SQLite).
        public static let replicaFormat = "annot-replica"

        public init(
            schema: [String], cursor: Int64, operation: String, store: String, operations: Int64, sha256: String, bytes: Int64,
            created: Int64
        ) {
            format = Self.replicaFormat
            self.schema = schema
            self.cursor = cursor
            self.operation = operation
            self.store = store
            self.operations = operations
            self.sha256 = sha256
            self.bytes = bytes
            self.created = created
        }
    }
}
