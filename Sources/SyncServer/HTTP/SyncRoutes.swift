import Foundation
import Hummingbird
import ServiceLifecycle
import SyncCore

/// The handlers of the sync protocol (`docs/protocol.md`, `/openapi.yaml`).
struct SyncRoutes: Sendable {
    let store: any ChangeStore
    let corpus: MergedCorpus
    let configuration: SyncServerConfiguration
    let metrics: SyncMetrics
    let wallClock: any WallClock
    let weakKeys = WeakKeyCheck()
    let quota: PushQuota
    let watch = LogWatch()

    // MARK: - Service

    /// `GET /healthz`.
    func healthz(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        Responses.json(["status": "ok"], request: request)
    }

    /// `GET /metrics`: Prometheus' text format.
    func metrics(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }

    /// `GET /openapi.yaml`: the protocol's OpenAPI document.
    func openAPI(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }

    // MARK: - Push and pull

    /// `POST /v1/push`: a changes document; each changeset verified (signature, author,
    /// key binding), the push stored all or nothing, idempotently.
    func push(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard user.role.canPush else {
            throw SyncServerError.forbidden("'\(user.name)' is a reader: readers may pull but not push")
        }
        let body = try await RequestBody.read(request, limit: configuration.maxBodyBytes)
        guard RequestBody.operationCount(body) <= configuration.maxOperationsPerRequest else {
            throw SyncServerError.tooManyOperations(configuration.maxOperationsPerRequest)
        }
        let changesets: [Changeset]
        do {
            changesets = try WireFormat.decode(Data(buffer: body))
        } catch {
            throw SyncServerError.malformed(error)
        }
        let now = wallClock.milliseconds()
        let clock = HybridLogicalClock(replica: try! ReplicaID("server"), maxDrift: configuration.maxDrift)
        for changeset in changesets {
            guard changeset.author.rawValue == user.name else {
                throw SyncServerError.authorship(changeset.author.rawValue, user: user.name)
            }
            // Before the store's lock: a weak key must never be bound (checked once per key).
            guard await !weakKeys.isWeak(changeset.key) else { throw SyncServerError.weakKey(changeset.key.rawValue) }
            for operation in changeset.operations {
                do { try clock.check(operation.timestamp, now: now) } catch { throw SyncServerError.malformed(error) }
                if case .importArticle = operation.action, !user.role.canImport {
                    throw SyncServerError.importForbidden(user.name)
                }
                if case .decideTag = operation.action, !user.role.canAdjudicate {
                    throw SyncServerError.decisionForbidden(user.name)
                }
            }
        }
        // Charged before the store's lock, given back when nothing new was stored.
        let operations = changesets.reduce(0) { $0 + $1.operations.count }
        try quota.charge(user.name, bytes: body.readableBytes, operations: operations)
        let outcome: SyncProtocol.PushOutcome
        do {
            outcome = try await StoreCall.run { try await store.push(changesets.map(EncodedChangeset.init), by: user.name) }
        } catch {
            quota.refund(user.name, bytes: body.readableBytes, operations: operations)
            throw error
        }
        if outcome.accepted == 0 {
            quota.refund(user.name, bytes: body.readableBytes, operations: operations)
        } else {
            await watch.logGrew()
        }
        metrics.pushed(outcome)
        return Responses.json(outcome, request: request)
    }

    /// `GET /v1/pull?after=N&at=ID&limit=M&wait=S`: operations after cursor N, whole
    /// changesets only. `at`, when given, must be the content id of the operation at N.
    /// With `wait`, a pull that finds nothing waits up to S seconds for something to arrive
    /// (a long poll: `annot sync --watch`).
    func pull(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let parameters = request.uri.queryParameters
        let after = try Self.integer(parameters["after"].map(String.init), name: "after", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(
            parameters["limit"].map(String.init), name: "limit", default: Int64(configuration.defaultPullLimit),
            range: 1...Int64(configuration.maxPullLimit))
        if let at = parameters["at"].map(String.init) {
            guard (try? OperationID(at)) != nil else { throw SyncServerError.badRequest("at must be an operation id: 64 lowercase hex digits") }
            let held = try await StoreCall.run { try await store.operationID(at: after) }
            guard held == at else { throw SyncServerError.cursorMismatch(after) }
        }
        let wait = try Self.integer(
            parameters["wait"].map(String.init), name: "wait", default: 0, range: 0...Int64(configuration.maxPullWait))
        let read = { try await StoreCall.run { try await store.pull(after: after, limit: Int(limit), maxBytes: configuration.maxPullBytes) } }
        var page = try await read()
        if wait > 0, page.operations.isEmpty {
            // Woken by a push here, or looking at the store every interval for pushes that
            // other instances took; a server shutting down answers at once.
            let deadline = ContinuousClock.now + .seconds(wait)
            while page.operations.isEmpty, !Task.isShuttingDownGracefully, !Task.isCancelled {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { break }
                await watch.wait(upTo: min(left, configuration.longPollInterval))
                page = try await read()
            }
        }
        let identity = try await StoreCall.run { try await corpus.storeIdentity() }
        // The changes document is spliced from the stored canonical JSON, not re-encoded.
        let bytes = SyncProtocol.PullPage.encode(
            changes: WireFormat.document(rawChangesets: page.changesets), cursor: page.cursor, more: page.more, store: identity)
        return Responses.json(encoded: bytes, request: request)
    }

    // MARK: - Keys

    /// `POST /v1/keys`: binds the replica key the body claims (with a signature proving
    /// the replica holds it) to the authenticated user.
    func claimKey(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.read(request, limit: 16 * 1024)
        guard let claim = try? JSONDecoder().decode(SyncProtocol.KeyClaim.self, from: Data(buffer: body)) else {
            throw SyncServerError.badRequest(#"the body must be {"key": "<64 hex digits>", "signature": "<128 hex digits>"}"#)
        }
        guard let name = try? UserName(user.name), claim.verifies(for: name) else {
            throw SyncServerError.forbidden("the signature does not prove that this replica holds the key it claims")
        }
        guard await !weakKeys.isWeak(claim.key) else { throw SyncServerError.weakKey(claim.key.rawValue) }
        let owner = try await StoreCall.run { try await store.claim(key: claim.key, for: user.name) }
        guard owner == user.name else {
            throw SyncServerError.keyBoundElsewhere(key: claim.key.rawValue, owner: owner, user: user.name)
        }
        return Responses.json(SyncProtocol.KeyBinding(key: claim.key, user: name, role: user.role.rawValue), request: request)
    }

    /// `GET /v1/keys`: the key directory, with each key's user and that user's role.
    func keys(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let keys = try await StoreCall.run { try await store.keys() }
        return Responses.json(SyncProtocol.KeyDirectory(keys: keys), request: request)
    }

    static func integer(_ text: String?, name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw SyncServerError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    // MARK: - The merged corpus

    struct ArticleListing: Codable {
        let id: String
        let title: String
        let tags: [String]
        let notes: Int
        let highlights: Int
    }

    /// `GET /v1/articles`: every article with its tags and counts of notes and highlights.
    func articles(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let snapshot = try await StoreCall.run { try await corpus.snapshot() }
        let tags = Dictionary(grouping: snapshot.tags, by: \.article)
        let notes = Dictionary(grouping: snapshot.notes, by: \.article)
        let highlights = Dictionary(grouping: snapshot.highlights, by: \.article)
        let listing = snapshot.articles.map { article in
            ArticleListing(
                id: article.id.rawValue, title: article.title, tags: (tags[article.id] ?? []).map(\.tag.rawValue),
                notes: notes[article.id]?.count ?? 0, highlights: highlights[article.id]?.count ?? 0)
        }
        return Responses.json(listing, request: request)
    }

    struct ArticleDetail: Codable {
        let article: CorpusSnapshot.Article
        let tags: [String]
        let notes: [CorpusSnapshot.Note]
        let highlights: [CorpusSnapshot.Highlight]
    }

    /// `GET /v1/articles/{id}`: one article (id or unique prefix) with its annotations.
    func article(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let prefix = try context.parameters.require("id")
        let snapshot = try await StoreCall.run { try await corpus.snapshot() }
        let matches = snapshot.articles.filter { $0.id.rawValue == prefix || $0.id.rawValue.hasPrefix(prefix) }
        let exact = matches.first { $0.id.rawValue == prefix }
        guard let article = exact ?? (matches.count == 1 ? matches[0] : nil) else {
            if matches.isEmpty { throw SyncServerError.notFound("no article matches '\(prefix)'") }
            throw SyncServerError.conflict(
                "article '\(prefix)' is ambiguous: it could be \(matches.prefix(8).map(\.id.rawValue).joined(separator: ", "))")
        }
        let detail = ArticleDetail(
            article: article, tags: snapshot.tags.filter { $0.article == article.id }.map(\.tag.rawValue),
            notes: snapshot.notes.filter { $0.article == article.id },
            highlights: snapshot.highlights.filter { $0.article == article.id })
        return Responses.json(detail, request: request)
    }

    struct TagCount: Codable {
        let tag: String
        let articles: Int
    }

    /// `GET /v1/tags`: the tag vocabulary with article counts.
    func tags(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let snapshot = try await StoreCall.run { try await corpus.snapshot() }
        let counts = Dictionary(grouping: snapshot.tags, by: \.tag).map { TagCount(tag: $0.key.rawValue, articles: $0.value.count) }
        return Responses.json(counts.sorted { $0.tag < $1.tag }, request: request)
    }

    /// `GET /v1/export`: the merged state in the canonical form of `annot export`, streamed:
    /// each export holds one chunk of its own at a time, whatever the corpus' size.
    func export(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let snapshot = try await StoreCall.run { try await corpus.snapshot() }
        return Responses.stream(snapshot.canonicalJSONChunks(), request: request)
    }

    // MARK: - Users

    func requireAdmin(_ context: SyncRequestContext) throws {
        let user = try context.requireUser()
        guard user.role.canManageUsers else { throw SyncServerError.forbidden("only admins may manage users") }
    }

    /// Refuses to revoke or demote `name` when it is the only admin left: nobody could
    /// manage users over HTTP any more.
    func refuseToRemoveTheLastAdmin(_ name: String) async throws {
        let admins = try await StoreCall.run { try await store.users() }.filter { $0.role == .admin && !$0.revoked }
        if admins.map(\.name) == [name] {
            throw SyncServerError(
                .conflict, code: "last_admin",
                "'\(name)' is the only admin: make another user an admin first (syncd user add NAME --role admin)")
        }
    }

    /// `POST /v1/users`: adds a user (or renews its token); the token is in the response, once.
    func addUser(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try await RequestBody.read(request, limit: 64 * 1024)
        guard let new = try? JSONDecoder().decode(SyncProtocol.NewUser.self, from: Data(buffer: body)) else {
            throw SyncServerError.badRequest(#"the body must be {"name": "…", "role": "reader|annotator|curator|admin"}, with no other field"#)
        }
        let user = try UserAdministration.validate(name: new.name, role: new.role)
        if user.role != .admin { try await refuseToRemoveTheLastAdmin(user.name) }
        let token = Token.generate()
        try await StoreCall.run { try await store.putUser(user, tokenHash: Token.hash(token)) }
        return Responses.json(SyncProtocol.IssuedToken(name: user.name, role: user.role.rawValue, token: token), request: request, status: .created)
    }

    /// `GET /v1/users`.
    func listUsers(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        try requireAdmin(context)
        return Responses.json(try await StoreCall.run { try await store.users() }, request: request)
    }

    /// `DELETE /v1/users/{name}`: revokes the user's token.
    func revokeUser(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        try requireAdmin(context)
        let name = try context.parameters.require("name")
        try await refuseToRemoveTheLastAdmin(name)
        guard try await StoreCall.run({ try await store.revokeUser(named: name) }) else {
            throw SyncServerError.notFound("no user named '\(name)'")
        }
        return Responses.json(["revoked": name], request: request)
    }
}

/// Validation shared by the HTTP user endpoints and `syncd user`.
public enum UserAdministration {
    public static func validate(name: String, role: String) throws -> ServerUser {
        guard (try? UserName(name)) != nil else {
            throw SyncServerError.badRequest("invalid user name '\(name)': use 1 to 64 letters, digits, '.', '_' or '-'")
        }
        guard let role = Role(rawValue: role) else {
            throw SyncServerError.badRequest("invalid role '\(role)': use reader, annotator, curator or admin")
        }
        return ServerUser(name: name, role: role)
    }

    /// Adds a user to the store and returns the new token.
    public static func add(_ user: ServerUser, to store: any ChangeStore) async throws -> String {
        let token = newToken()
        try await add(user, token: token, to: store)
        return token
    }

    /// A new bearer token, for ``add(_:token:to:)``.
    public static func newToken() -> String { Token.generate() }

    /// Adds a user to the store with `token` (from ``newToken()``), replacing its old one.
    public static func add(_ user: ServerUser, token: String, to store: any ChangeStore) async throws {
        try await store.putUser(user, tokenHash: Token.hash(token))
    }
}
