import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SyncCore

/// The PostgreSQL store: several `syncd` instances can share one database.
///
/// **Ordering.** PostgreSQL transactions can commit out of order: a push that took 41 may
/// commit after one that took 42, and a reader that pulled past 42 in between would skip 41
/// forever. Pushes here do not wait for each other to number their operations: each
/// reserves its numbers in a short transaction of its own (``reserve(_:token:client:logger:)``)
/// and commits whenever it is done, and readers serve only what lies below every
/// reservation still in flight (``watermark(_:logger:)``), so a pull can never step over an
/// operation. The ``GroupCommitter`` still batches the pushes of one instance into one
/// transaction, so that one durable commit serves many requests. docs/protocol.md §15
/// has the proof; `PostgresInstancesTests` the tests.
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
    let logger: Logger
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
        committer = GroupCommitter { pushes in try await Self.insert(pushes, client: client, logger: logger) }
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

    /// Stores a group of pushes in one transaction; one outcome per push.
    ///
    /// The transaction first takes a transaction-level advisory lock on a random token, then
    /// admits each push against everything committed, reserves as many sequence numbers as
    /// it has new operations (``reserve(_:token:)``, a short transaction of its own), inserts
    /// them so numbered, and deletes its reservation as it commits. Readers serve nothing at
    /// or above a reservation whose push holds its lock (``watermark(_:)``). Two pushes that
    /// store the same operation at once meet at the unique index: the second fails and is
    /// tried again, and then finds the first's operations held.
    static func insert(
        _ pushes: [GroupCommitter.Push], client: PostgresClient, logger: Logger
    ) async throws -> [Result<SyncProtocol.PushOutcome, SyncServerError>] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await insertOnce(pushes, client: client, logger: logger)
            } catch let error where attempt < 3 && Self.isUniqueViolation(error) {
                continue
            }
        }
    }

    private static func insertOnce(
        _ pushes: [GroupCommitter.Push], client: PostgresClient, logger: Logger
    ) async throws -> [Result<SyncProtocol.PushOutcome, SyncServerError>] {
        var reservation: ClosedRange<Int64>?
        do {
            return try await client.withTransaction(logger: logger) { connection in
                // 1. The push's lock (its liveness, for readers, once it reserves numbers) and
                //    what is already held: every push committed before this statement, and
                //    the keys' owners. One statement, one round trip; its parts run in order.
                let token = Int64.random(in: .min ... .max)
                let hlcs = pushes.flatMap { $0.changesets.flatMap { $0.operations.map(\.hlc) } }
                let keys = Array(Set(pushes.flatMap { $0.changesets.map(\.key) }))
                var held: [String: PushAdmission.Held] = [:]
                var owners: [String: String] = [:]
                for try await (kind, first, second, third) in try await connection.query(
                    """
                    SELECT 'lock', '', '', '' FROM pg_advisory_xact_lock(\(token))
                    UNION ALL SELECT 'held', hlc, coalesce(id, ''), changeset FROM operations WHERE hlc = ANY(\(hlcs))
                    UNION ALL SELECT 'owner', key, user_name, '' FROM replica_keys WHERE key = ANY(\(keys))
                    """, logger: logger
                ).decode((String, String, String, String).self) {
                    switch kind {
                    case "held": held[first] = PushAdmission.Held(id: second, changeset: third)
                    case "owner": owners[first] = second
                    default: break
                    }
                }
                // 2. Admit each push; what is new is numbered once its count is known.
                var admittedNew: [(push: Int, changeset: EncodedChangeset)] = []
                var bindings: (keys: [String], replicas: [String], users: [String]) = ([], [], [])
                var outcomes: [Result<(accepted: Int, duplicates: Int), SyncServerError>] = []
                for (index, push) in pushes.enumerated() {
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
                        for operation in changeset.operations {
                            held[operation.hlc] = PushAdmission.Held(id: operation.id, changeset: changeset.id)
                        }
                        admittedNew.append((index, changeset))
                        accepted += changeset.operations.count
                    }
                    outcomes.append(.success((accepted, admitted.duplicates)))
                }
                if !bindings.keys.isEmpty {
                    let now = Self.now()
                    try await connection.query(
                        """
                        INSERT INTO replica_keys (key, replica, user_name, bound_at)
                        SELECT k, r, u, \(now) FROM unnest(\(bindings.keys)::text[], \(bindings.replicas)::text[], \(bindings.users)::text[]) AS t(k, r, u)
                        ON CONFLICT DO NOTHING
                        """, logger: logger)
                    // A claim of one of these keys by another user may have committed since
                    // the owners were read: a wrong owner would be a forgery, so check.
                    for try await (key, owner) in try await connection.query(
                        "SELECT key, user_name FROM replica_keys WHERE key = ANY(\(bindings.keys))", logger: logger
                    ).decode((String, String).self) where owners[key] != owner {
                        throw StoreUnavailable(reason: "key \(key.prefix(16))… was claimed concurrently; push again")
                    }
                }
                // 3. Number the new operations from a reservation, insert them, and let the
                //    reservation go with the commit.
                let count = admittedNew.reduce(0) { $0 + $1.changeset.operations.count }
                var head: Int64 = 0
                if count > 0 {
                    let range = try await reserve(Int64(count), token: token, client: client, logger: logger)
                    reservation = range
                    var seq = range.lowerBound
                    var rows = (seqs: [Int64](), hlcs: [String](), ids: [String](), changesets: [String](), authors: [String](), payloads: [String]())
                    var changesetRows = (ids: [String](), keys: [String](), signatures: [String](), authors: [String]())
                    for (_, changeset) in admittedNew {
                        changesetRows.ids.append(changeset.id)
                        changesetRows.keys.append(changeset.key)
                        changesetRows.signatures.append(changeset.signature)
                        changesetRows.authors.append(changeset.author)
                        for operation in changeset.operations {
                            rows.seqs.append(seq)
                            rows.hlcs.append(operation.hlc)
                            rows.ids.append(operation.id)
                            rows.changesets.append(changeset.id)
                            rows.authors.append(changeset.author)
                            rows.payloads.append(operation.payload)
                            seq += 1
                        }
                    }
                    let statement = Self.groupWrite(
                        changesets: changesetRows, operations: rows, receivedAt: Self.now(), reservation: range)
                    for try await value in try await connection.query(statement, logger: logger).decode(Int64.self) {
                        head = value
                    }
                } else {
                    for try await value in try await connection.query("SELECT coalesce(max(seq), 0) FROM operations", logger: logger)
                        .decode(Int64.self)
                    {
                        head = value
                    }
                }
                if let hook = Self.beforeCommit { try await hook() }
                return outcomes.map { $0.map { SyncProtocol.PushOutcome(accepted: $0.accepted, duplicates: $0.duplicates, head: head) } }
            }
        } catch {
            // A reservation whose push failed is found dead by the next reader anyway (its
            // lock went with the transaction); deleting it now just saves that reader a look.
            if let reservation {
                _ = try? await client.query("DELETE FROM log_reservations WHERE first = \(reservation.lowerBound)", logger: logger)
            }
            throw error
        }
    }

    /// Runs in a push's transaction just before it commits, for tests that hold a push in
    /// flight; `nil` (no hook) everywhere else.
    @TaskLocal static var beforeCommit: (@Sendable () async throws -> Void)?

    /// Reserves `count` sequence numbers for the push whose transaction holds the advisory
    /// lock `token`, in a transaction of its own that commits at once: the reservation must
    /// be visible to readers before the push's operations can be. The `log_head` row is
    /// locked only for this short transaction. It commits without waiting for its WAL to be
    /// flushed (nothing is lost if it is: the push it serves has not committed either, and
    /// the push's own durable commit flushes it).
    ///
    /// One statement, its own transaction, one round trip: the row lock is held from the
    /// update to the commit without waiting on the client in between (with BEGIN, SET LOCAL
    /// and COMMIT, two instances' reservations queued behind each other's round trips).
    /// `set_config(…, true)` sets `synchronous_commit` for this transaction only.
    static func reserve(_ count: Int64, token: Int64, client: PostgresClient, logger: Logger) async throws -> ClosedRange<Int64> {
        for try await first in try await client.query(
            """
            WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true)),
                head AS (UPDATE log_head SET seq = seq + \(count) WHERE singleton = 1 RETURNING seq)
            INSERT INTO log_reservations (first, last, token, reserved_at)
            SELECT seq - \(count) + 1, seq, \(token), \(Self.now()) FROM head, unflushed RETURNING first
            """, logger: logger
        ).decode(Int64.self) {
            return first...(first + count - 1)
        }
        throw StoreUnavailable(reason: "the log_head row is missing")
    }

    /// The greatest sequence number a reader may serve now: no operation at or below it can
    /// still be committed later. The operations read by later statements (each with a
    /// snapshot of its own, taken after this one ended) are then complete up to it.
    ///
    /// It reads the head and the reservations in one snapshot, and tries each reservation's
    /// lock: a push that holds it may still commit, so the watermark stays below its first
    /// number; a free lock means the push has ended, committed (and then visible to the
    /// statements that follow) or not (and then never), and its row is deleted.
    /// docs/protocol.md §15 has the proof.
    static func watermark(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        var head: Int64 = 0
        var inFlight = Int64.max
        var ended: [Int64] = []
        for try await (seq, first, free) in try await connection.query(
            """
            SELECT h.seq, r.first, pg_try_advisory_xact_lock(r.token)
            FROM (SELECT seq FROM log_head WHERE singleton = 1) h LEFT JOIN log_reservations r ON true
            """,
            logger: logger
        ).decode((Int64, Int64?, Bool?).self) {
            head = seq
            guard let first else { continue }
            if free == true { ended.append(first) } else { inFlight = min(inFlight, first - 1) }
        }
        if !ended.isEmpty {
            try await connection.query("DELETE FROM log_reservations WHERE first = ANY(\(ended))", logger: logger)
        }
        return min(head, inFlight)
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError {
            return [error.closureError, error.commitError].contains { $0.map(isUniqueViolation) ?? false }
        }
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return error.serverInfo?[.sqlState] == PostgresError.Code.uniqueViolation.raw
    }

    public func pull(after cursor: Int64, limit: Int, maxBytes: Int) async throws -> PullPage {
        try await guarded { [client, logger] in
            // No transaction: the watermark's statement and the reads after it each take a
            // snapshot of their own, in that order, which is all the proof needs (§15); the
            // locks the watermark tries go with its statement.
            try await client.withConnection { connection in
                let watermark = try await Self.watermark(connection, logger: logger)
                // The log in sequence order up to the watermark, in windows of sequence numbers
                // (numbers are dense but for pushes that failed), until the page is complete.
                // A window holds at most `window` operations, whatever plan the statistics
                // of a fast-growing table lead to.
                var builder = PullPageBuilder(after: cursor, limit: limit, maxBytes: maxBytes)
                var after = cursor
                let window = Int64(min(limit + 1, 500))
                while after < watermark {
                    let upper = after + min(window, watermark - after)
                    let rows = try await Self.operations(connection, logger, Self.logWindow(after: after, upTo: upper))
                    for operation in rows {
                        guard builder.offer(operation) else { return builder.page() }
                    }
                    after = upper
                }
                return builder.page()
            }
        }
    }

    /// A push group's writes in one statement, one round trip: the changesets, their
    /// operations, the reservation's row gone, and the log's head (the statement's snapshot
    /// does not see its own rows: the reservation's last number is added to it).
    ///
    /// The head is read through the index (`ORDER BY seq DESC LIMIT 1`): PostgreSQL does not
    /// turn `max(seq)` into an index probe in a statement with `WITH` clauses, and scanned the
    /// whole log on every push.
    /// - Complexity: O(operations written), whatever the size of the log.
    static func groupWrite(
        changesets: (ids: [String], keys: [String], signatures: [String], authors: [String]),
        operations rows: (seqs: [Int64], hlcs: [String], ids: [String], changesets: [String], authors: [String], payloads: [String]),
        receivedAt now: Int64, reservation range: ClosedRange<Int64>
    ) -> PostgresQuery {
        """
        WITH stored_changesets AS (
            INSERT INTO changesets (id, key, signature, author)
            SELECT i, k, s, a FROM unnest(\(changesets.ids)::text[], \(changesets.keys)::text[], \(changesets.signatures)::text[], \(changesets.authors)::text[]) AS t(i, k, s, a)
        ), stored_operations AS (
            INSERT INTO operations (seq, hlc, id, changeset, author, payload, received_at)
            SELECT s, h, i, c, a, p, \(now) FROM unnest(\(rows.seqs)::bigint[], \(rows.hlcs)::text[], \(rows.ids)::text[], \(rows.changesets)::text[], \(rows.authors)::text[], \(rows.payloads)::text[]) AS t(s, h, i, c, a, p)
        ), ended AS (
            DELETE FROM log_reservations WHERE first = \(range.lowerBound)
        )
        SELECT greatest(coalesce((SELECT o.seq FROM operations o ORDER BY o.seq DESC LIMIT 1), 0), \(range.upperBound))
        """
    }

    /// The operations numbered in `(after, upper]`, with their changesets' keys and
    /// signatures, in order.
    ///
    /// Each operation's changeset is found through its index (the `LATERAL` subquery, kept
    /// whole by `OFFSET 0`): as a join, the planner hashed the whole `changesets` table for
    /// every window once it held a few thousand rows.
    /// - Complexity: O(operations in the window), whatever the size of the log.
    static func logWindow(after: Int64, upTo upper: Int64) -> PostgresQuery {
        """
        SELECT o.seq, o.changeset, c.key, c.signature, o.payload FROM operations o
        CROSS JOIN LATERAL (SELECT key, signature FROM changesets WHERE id = o.changeset OFFSET 0) c
        WHERE o.seq > \(after) AND o.seq <= \(upper) ORDER BY o.seq
        """
    }

    private static func operations(_ connection: PostgresConnection, _ logger: Logger, _ query: PostgresQuery) async throws -> [StoredOperation] {
        var operations: [StoredOperation] = []
        for try await (seq, changeset, key, signature, payload) in try await connection.query(query, logger: logger)
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

    /// A claim and a push that binds the same key meet at the key's unique index: the one
    /// that inserts second waits for the first to end, then reads its owner.
    public func claim(key: ReplicaKey, for user: String) async throws -> String {
        try await guarded { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
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
    func guarded<T: Sendable>(timeout: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
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
        } catch let error as PostgresTransactionError where error.closureError is SyncServerError {
            // A refusal decided inside a transaction (an unknown article, say), not a failure.
            throw error.closureError!
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
