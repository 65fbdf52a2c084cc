import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SyncCore

/// The PostgreSQL store: several `syncd` instances can share one database.
///
/// **Ordering.** PostgreSQL sequences can commit out of order: a transaction that took 41
/// may commit after one that took 42, and a reader that pulled past 42 in between would
/// skip 41 forever. This store hands out sequence numbers under a lock on the single row
/// of `log_head`, held from numbering until commit. A push therefore numbers its
/// operations only after every earlier push has committed and become visible, so the
/// committed log is always a gap-free prefix of the sequence, and a pull can never miss an
/// operation. Pushes from all instances serialize on that row for the span of one insert
/// and commit; the ``GroupCommitter`` batches the pushes of one instance into one such
/// transaction, so the lock is taken once per group, not once per request.
///
/// **Durability.** PostgreSQL's default `synchronous_commit = on`: a commit returns once
/// its WAL record is on disk.
///
/// **Outages.** A lost or refused connection, or a call that takes longer than
/// ``callTimeout``, is reported as ``StoreUnavailable`` (a 503 to the client); the
/// connection pool reconnects by itself.
public final class PostgresChangeStore: ChangeStore {
    /// The connection pool. It runs as a service of the application (``services``).
    public let client: PostgresClient
    /// Where the store is, without its password, for logs.
    public let location: String
    /// The longest a store call may take before it is reported unavailable.
    public let callTimeout: Duration
    private let logger: Logger
    private let committer: GroupCommitter

    /// A key for `pg_advisory_xact_lock` that serializes schema migrations across instances.
    static let migrationLock: Int64 = 0x616E_6E6F_7473_796E  // "annotsyn"

    /// A store on the database that `url` names:
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
    /// The password may instead come from `password` (for example an environment variable).
    public init(url: String, password: String? = nil, callTimeout: Duration = .seconds(10), logger: Logger) throws {
        let parsed = try PostgresLocation(url: url, password: password)
        client = PostgresClient(configuration: parsed.configuration, backgroundLogger: logger)
        self.location = parsed.description
        self.callTimeout = callTimeout
        self.logger = logger
        let client = self.client
        let logger = self.logger
        committer = GroupCommitter { pushes in
            try await client.withTransaction(logger: logger) { connection in try await Self.insert(pushes, connection, logger: logger) }
        }
    }

    public var services: [any Service] { [client] }

    /// Applies the migrations in `migrations/server-postgres/` that the database lacks. Run
    /// by every instance at start; an advisory lock makes exactly one of them do the work,
    /// and the others find it done.
    public func prepare() async throws {
        try await guarded(timeout: .seconds(30)) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS syncd_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                    logger: logger)
                var applied = Set<String>()
                for try await id in try await connection.query("SELECT id FROM syncd_migrations", logger: logger).decode(String.self) {
                    applied.insert(id)
                }
                for migration in EmbeddedMigrations.set("server-postgres") where !applied.contains(migration.id) {
                    for statement in Self.statements(of: migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO syncd_migrations (id, applied_at) VALUES (\(migration.id), \(Self.now()))", logger: logger)
                }
            }
        }
        let format = try await guarded { [client, logger] in
            var format = WireFormat.version
            for try await value in try await client.query("SELECT format FROM store_format", logger: logger).decode(Int.self) {
                format = value
            }
            return format
        }
        if format != WireFormat.version { throw SyncServerError.formatOneStore(location) }
    }

    /// The statements of a migration file: comments dropped, split at a `;` that ends a line.
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || trimmed.isEmpty { continue }
            current += line + "\n"
            if trimmed.hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    // MARK: - The log

    public func push(_ changesets: [EncodedChangeset], by user: String) async throws -> SyncProtocol.PushOutcome {
        try await guarded { [committer] in try await committer.commit(changesets, by: user) }
    }

    /// Stores a group of pushes in the caller's transaction, numbering the new operations
    /// under the `log_head` lock; one outcome per push. Each push is admitted against
    /// everything committed before the lock and everything the pushes before it in the
    /// group stored.
    static func insert(
        _ pushes: [GroupCommitter.Push], _ connection: PostgresConnection, logger: Logger
    ) async throws -> [Result<SyncProtocol.PushOutcome, SyncServerError>] {
        // 1. The ordered commit point: wait for every earlier push to commit.
        var head: Int64 = 0
        for try await seq in try await connection.query(
            "SELECT seq FROM log_head WHERE singleton = 1 FOR UPDATE", logger: logger
        ).decode(Int64.self) {
            head = seq
        }
        // 2. What is already held (read after the lock: it sees every commit before ours).
        let hlcs = pushes.flatMap { $0.changesets.flatMap { $0.operations.map(\.hlc) } }
        var held: [String: PushAdmission.Held] = [:]
        for try await (hlc, id, changeset) in try await connection.query(
            "SELECT hlc, coalesce(id, ''), changeset FROM operations WHERE hlc = ANY(\(hlcs))", logger: logger
        ).decode((String, String, String).self) {
            held[hlc] = PushAdmission.Held(id: id, changeset: changeset)
        }
        let keys = Array(Set(pushes.flatMap { $0.changesets.map(\.key) }))
        var owners: [String: String] = [:]
        for try await (key, owner) in try await connection.query(
            "SELECT key, user_name FROM replica_keys WHERE key = ANY(\(keys))", logger: logger
        ).decode((String, String).self) {
            owners[key] = owner
        }
        // 3. Admit each push, then number and insert the new changesets in one statement each.
        var seqs: [Int64] = []
        var newHLCs: [String] = []
        var ids: [String] = []
        var changesetIDs: [String] = []
        var authors: [String] = []
        var payloads: [String] = []
        var changesetRows: (ids: [String], keys: [String], signatures: [String], authors: [String]) = ([], [], [], [])
        var bindings: (keys: [String], replicas: [String], users: [String]) = ([], [], [])
        var outcomes: [Result<SyncProtocol.PushOutcome, SyncServerError>] = []
        for push in pushes {
            let admitted: (new: [EncodedChangeset], duplicates: Int)
            do {
                admitted = try PushAdmission.admit(push.changesets, by: push.user, held: held, owners: owners)
            } catch let error as SyncServerError {
                outcomes.append(.failure(error))
                continue
            }
            var accepted = 0
            for changeset in admitted.new {
                if owners[changeset.key] == nil {
                    owners[changeset.key] = push.user
                    bindings.keys.append(changeset.key)
                    bindings.replicas.append(changeset.replica)
                    bindings.users.append(push.user)
                }
                changesetRows.ids.append(changeset.id)
                changesetRows.keys.append(changeset.key)
                changesetRows.signatures.append(changeset.signature)
                changesetRows.authors.append(changeset.author)
                for operation in changeset.operations {
                    held[operation.hlc] = PushAdmission.Held(id: operation.id, changeset: changeset.id)
                    head += 1
                    seqs.append(head)
                    newHLCs.append(operation.hlc)
                    ids.append(operation.id)
                    changesetIDs.append(changeset.id)
                    authors.append(changeset.author)
                    payloads.append(operation.payload)
                    accepted += 1
                }
            }
            outcomes.append(.success(SyncProtocol.PushOutcome(accepted: accepted, duplicates: admitted.duplicates, head: 0)))
        }
        if !bindings.keys.isEmpty {
            let now = now()
            try await connection.query(
                """
                INSERT INTO replica_keys (key, replica, user_name, bound_at)
                SELECT k, r, u, \(now) FROM unnest(\(bindings.keys)::text[], \(bindings.replicas)::text[], \(bindings.users)::text[]) AS t(k, r, u)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            // Claims take the log lock too, so none can have bound one of these keys in the
            // meantime; checked all the same, since a wrong owner would be a forgery.
            for try await (key, owner) in try await connection.query(
                "SELECT key, user_name FROM replica_keys WHERE key = ANY(\(bindings.keys))", logger: logger
            ).decode((String, String).self) where owners[key] != owner {
                throw StoreUnavailable(reason: "key \(key.prefix(16))… was claimed concurrently; push again")
            }
        }
        if !seqs.isEmpty {
            let now = now()
            try await connection.query(
                """
                INSERT INTO changesets (id, key, signature, author)
                SELECT i, k, s, a FROM unnest(\(changesetRows.ids)::text[], \(changesetRows.keys)::text[], \(changesetRows.signatures)::text[], \(changesetRows.authors)::text[]) AS t(i, k, s, a)
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO operations (seq, hlc, id, changeset, author, payload, received_at)
                SELECT s, h, i, c, a, p, \(now) FROM unnest(\(seqs)::bigint[], \(newHLCs)::text[], \(ids)::text[], \(changesetIDs)::text[], \(authors)::text[], \(payloads)::text[]) AS t(s, h, i, c, a, p)
                """, logger: logger)
            try await connection.query("UPDATE log_head SET seq = \(head) WHERE singleton = 1", logger: logger)
        }
        return outcomes.map { $0.map { SyncProtocol.PushOutcome(accepted: $0.accepted, duplicates: $0.duplicates, head: head) } }
    }

    public func pull(after cursor: Int64, limit: Int, maxBytes: Int) async throws -> PullPage {
        try await guarded { [client, logger] in
            // The log in sequence order, in batches, until the page is complete.
            var builder = PullPageBuilder(after: cursor, limit: limit, maxBytes: maxBytes)
            var after = cursor
            let batch = min(limit + 1, 500)
            while true {
                let rows = try await Self.operations(
                    client, logger, "SELECT o.seq, o.changeset, c.key, c.signature, o.payload FROM operations o JOIN changesets c ON c.id = o.changeset WHERE o.seq > \(after) ORDER BY o.seq LIMIT \(batch)")
                for operation in rows {
                    guard builder.offer(operation) else { return builder.page() }
                }
                guard rows.count == batch, let last = rows.last else { return builder.page() }
                after = last.seq
            }
        }
    }

    private static func operations(_ client: PostgresClient, _ logger: Logger, _ query: PostgresQuery) async throws -> [StoredOperation] {
        var operations: [StoredOperation] = []
        for try await (seq, changeset, key, signature, payload) in try await client.query(query, logger: logger)
            .decode((Int64, String, String, String, String).self)
        {
            operations.append(StoredOperation(seq: seq, changeset: changeset, key: key, signature: signature, payload: payload))
        }
        return operations
    }

    public func operationID(at seq: Int64) async throws -> String? {
        try await guarded { [client, logger] in
            for try await id in try await client.query("SELECT id FROM operations WHERE seq = \(seq)", logger: logger)
                .decode(String?.self)
            {
                return id
            }
            return nil
        }
    }

    /// Claims take the `log_head` lock, as pushes do, so that a claim and a push that binds
    /// the same key never race (a push reads the owners of its keys under that lock).
    public func claim(key: ReplicaKey, for user: String) async throws -> String {
        try await guarded { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT seq FROM log_head WHERE singleton = 1 FOR UPDATE", logger: logger)
                try await connection.query(
                    """
                    INSERT INTO replica_keys (key, replica, user_name, bound_at)
                    VALUES (\(key.rawValue), \(key.replica.rawValue), \(user), \(Self.now())) ON CONFLICT DO NOTHING
                    """, logger: logger)
                for try await owner in try await connection.query(
                    "SELECT user_name FROM replica_keys WHERE key = \(key.rawValue)", logger: logger
                ).decode(String.self) {
                    return owner
                }
                return user
            }
        }
    }

    public func keys() async throws -> [SyncProtocol.KeyBinding] {
        try await guarded { [client, logger] in
            var bindings: [SyncProtocol.KeyBinding] = []
            for try await (key, user, role) in try await client.query(
                "SELECT k.key, k.user_name, u.role FROM replica_keys k JOIN users u ON u.name = k.user_name ORDER BY k.user_name, k.key",
                logger: logger
            ).decode((String, String, String).self) {
                bindings.append(SyncProtocol.KeyBinding(key: try ReplicaKey(key), user: try UserName(user), role: role))
            }
            return bindings
        }
    }

    public func identity() async throws -> String {
        try await guarded { [client, logger] in
            for try await id in try await client.query("SELECT id FROM store_identity", logger: logger).decode(String.self) {
                return id
            }
            return ""
        }
    }

    // MARK: - Users

    public func putUser(_ user: ServerUser, tokenHash: String) async throws {
        try await guarded { [client, logger] in
            try await client.query(
                """
                INSERT INTO users (name, role, token_hash, created_at) VALUES (\(user.name), \(user.role.rawValue), \(tokenHash), \(Self.now()))
                ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash, revoked_at = NULL
                """, logger: logger)
        }
    }

    public func user(tokenHash: String) async throws -> ServerUser? {
        try await guarded { [client, logger] in
            for try await (name, role) in try await client.query(
                "SELECT name, role FROM users WHERE token_hash = \(tokenHash) AND revoked_at IS NULL", logger: logger
            ).decode((String, String).self) {
                return Role(rawValue: role).map { ServerUser(name: name, role: $0) }
            }
            return nil
        }
    }

    public func users() async throws -> [ServerUser] {
        try await guarded { [client, logger] in
            var users: [ServerUser] = []
            for try await (name, role, revoked) in try await client.query(
                "SELECT name, role, revoked_at FROM users ORDER BY name", logger: logger
            ).decode((String, String, Int64?).self) {
                if let role = Role(rawValue: role) { users.append(ServerUser(name: name, role: role, revoked: revoked != nil)) }
            }
            return users
        }
    }

    public func revokeUser(named name: String) async throws -> Bool {
        try await guarded { [client, logger] in
            var revoked = false
            for try await _ in try await client.query(
                "UPDATE users SET revoked_at = \(Self.now()) WHERE name = \(name) RETURNING name", logger: logger
            ).decode(String.self) {
                revoked = true
            }
            return revoked
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: - Outages

    /// Runs a store call with a deadline, reporting an unreachable database as
    /// ``StoreUnavailable`` so the client gets a 503 and retries.
    ///
    /// The deadline does not wait for the call to wind down (a request waiting for a
    /// connection to a database that is down may not notice cancellation at once). A push
    /// that times out may therefore still commit later: the 503 tells the client to send
    /// again, which is harmless since pushes are idempotent.
    private func guarded<T: Sendable>(timeout: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = timeout ?? callTimeout
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let first = FirstOutcome()
                let work = Task {
                    let result = await Result(catching: body)
                    if await first.claim() { continuation.resume(with: result) }
                }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    if await first.claim() {
                        continuation.resume(throwing: StoreUnavailable(reason: "PostgreSQL did not answer within \(timeout)"))
                        work.cancel()
                    }
                }
                // The timer must not outlive the call: cancel it as soon as the work ends.
                Task {
                    _ = await work.result
                    timer.cancel()
                }
            }
        } catch let error as StoreUnavailable {
            throw error
        } catch {
            if let reason = Self.outage(error) { throw StoreUnavailable(reason: reason) }
            throw error
        }
    }

    /// Why `error` means the database cannot be reached right now, or nil for any other error.
    static func outage(_ error: any Error) -> String? {
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].compactMap { $0 }.lazy.compactMap(outage).first
        }
        if let error = error as? PSQLError {
            if error.code == .server {
                let state = error.serverInfo?[.sqlState] ?? ""
                // 08: connection exception; 57: operator intervention (shutdown); 53: insufficient resources.
                guard state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") else { return nil }
                return "PostgreSQL: \(error.serverInfo?[.message] ?? state)"
            }
            let outages: [PSQLError.Code] = [
                .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed,
            ]
            return outages.contains(error.code) ? "PostgreSQL connection lost (\(error.code))" : nil
        }
        if error is CancellationError { return "the request was cancelled" }
        return nil
    }
}

/// Lets exactly one of several racing tasks deliver an outcome.
private actor FirstOutcome {
    private var claimed = false

    func claim() -> Bool {
        defer { claimed = true }
        return !claimed
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing call.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
