import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import ServiceLifecycle
import SyncCore

/// The handlers of the sync protocol (`docs/protocol.md`, `/openapi.yaml`).
struct SyncRoutes: Sendable {
    let store: any ChangeStore
    /// The newest operations, shared by the pulls of clients that are nearly up to date.
    let tail: LogTail
    let view: MergedView
    let snapshots: (any SnapshotProvider)?
    let configuration: SyncServerConfiguration
    let metrics: SyncMetrics
    let wallClock: any WallClock
    let weakKeys = WeakKeyCheck()
    let quota: PushQuota
    let watch = LogWatch()
    let storeIdentity = StoreIdentity()

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
            view.nudge()
            snapshots?.logGrew()
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
            let held = try await StoreCall.run { try await tail.operationID(at: after) }
            guard held == at else { throw SyncServerError.cursorMismatch(after) }
        }
        let wait = try Self.integer(
            parameters["wait"].map(String.init), name: "wait", default: 0, range: 0...Int64(configuration.maxPullWait))
        let read = { try await StoreCall.run { try await tail.pull(after: after, limit: Int(limit), maxBytes: configuration.maxPullBytes) } }
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
        let identity = try await StoreCall.run { try await storeIdentity.value(store) }
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

    /// How long a read waits for a merged view that is far behind the log (after an
    /// upgrade or a restore) before answering 503 `view_behind`.
    static let viewWait: Duration = .seconds(10)

    /// The view, up to date with every push acknowledged before the request.
    func currentView() async throws {
        try await StoreCall.run { try await view.catchUp(within: Self.viewWait) }
    }

    /// The page size a request asks for (`limit`, 1 to ``ViewQuery/maxLimit``).
    static func limit(_ parameters: FlatDictionary<Substring, Substring>) throws -> Int {
        Int(try integer(parameters["limit"].map(String.init), name: "limit", default: Int64(ViewQuery.defaultLimit), range: 1...Int64(ViewQuery.maxLimit)))
    }

    /// A text parameter, absent when empty; at most 1,000 bytes.
    static func text(_ parameters: FlatDictionary<Substring, Substring>, _ name: String) throws -> String? {
        guard let value = parameters[Substring(name)].map(String.init), !value.isEmpty else { return nil }
        guard value.utf8.count <= 1000, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw SyncServerError.badRequest("\(name) must be at most 1000 bytes, without control characters")
        }
        return value
    }

    /// `GET /v1/articles?tag=T&q=WORDS&after=ID&limit=N`: a page of articles by id, with
    /// their codes and counts of notes and highlights; `Link: <…>; rel="next"` when more may follow.
    func articles(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let parameters = request.uri.queryParameters
        var query = ViewQuery.Articles(limit: try Self.limit(parameters))
        if let tag = try Self.text(parameters, "tag") {
            do { query.tag = try TagName.path(tag) } catch { throw SyncServerError.badRequest("tag: \(error)") }
        }
        query.text = try Self.text(parameters, "q")
        query.after = try Self.text(parameters, "after")
        try await currentView()
        let page = try await StoreCall.run { try await store.viewArticles(query) }
        var response = Responses.json(page, request: request)
        if page.count == query.limit, let last = page.last {
            Self.link(next: "/v1/articles", ["tag": query.tag, "q": query.text, "after": last.id, "limit": "\(query.limit)"], &response)
        }
        return response
    }

    /// Sets `Link: <path?query>; rel="next"` (RFC 8288), the parameters percent-encoded.
    static func link(next path: String, _ parameters: [String: String?], _ response: inout Response) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = parameters.sorted { $0.key < $1.key }.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        }.joined(separator: "&")
        response.headers[HTTPField.Name("Link")!] = "<\(path)?\(query)>; rel=\"next\""
    }

    /// `GET /v1/articles/{id}`: one article (id or unique prefix) with its annotations.
    func article(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let prefix = try context.parameters.require("id")
        guard (try? ArticleID(prefix)) != nil else { throw SyncServerError.notFound("no article matches '\(prefix.prefix(128))'") }
        try await currentView()
        return Responses.json(try await StoreCall.run { try await store.viewArticle(prefix) }, request: request)
    }

    /// `GET /v1/tags?after=PATH&limit=N`: the codebook by path (codes merged into another
    /// counted with it), each code with the number of articles it codes.
    func tags(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let parameters = request.uri.queryParameters
        let limit = try Self.limit(parameters)
        let after = try Self.text(parameters, "after")
        try await currentView()
        let page = try await StoreCall.run { try await store.viewCodeCounts(after: after, limit: limit) }
        var response = Responses.json(page, request: request)
        if page.count == limit, let last = page.last {
            Self.link(next: "/v1/tags", ["after": last.tag, "limit": "\(limit)"], &response)
        }
        return response
    }

    /// `GET /v1/notes?article=ID&author=NAME&since=TIME&q=WORDS&after=HLC&limit=N`: live
    /// notes by the time of their last change.
    func notes(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let parameters = request.uri.queryParameters
        var query = ViewQuery.Notes(limit: try Self.limit(parameters))
        query.article = try Self.text(parameters, "article")
        query.author = try Self.text(parameters, "author")
        query.text = try Self.text(parameters, "q")
        if let since = try Self.text(parameters, "since") { query.since = try Self.timeBound(since, name: "since") }
        if let after = try Self.text(parameters, "after") {
            guard (try? Timestamp(parsing: after)) != nil else {
                throw SyncServerError.badRequest("after must be the updated timestamp of the previous page's last note")
            }
            query.after = after
        }
        try await currentView()
        let page = try await StoreCall.run { try await store.viewNotes(query) }
        var response = Responses.json(page, request: request)
        if page.count == query.limit, let last = page.last {
            Self.link(
                next: "/v1/notes",
                [
                    "article": query.article, "author": query.author, "since": try Self.text(parameters, "since"), "q": query.text,
                    "after": last.updated.description, "limit": "\(query.limit)",
                ], &response)
        }
        return response
    }

    /// A lower bound on timestamps, as their text sorts: from a timestamp, milliseconds
    /// since 1970, or an ISO 8601 date and time (`2026-12-06T10:00:00Z`).
    static func timeBound(_ text: String, name: String) throws -> String {
        if let timestamp = try? Timestamp(parsing: text) { return timestamp.description }
        var milliseconds: UInt64?
        if let number = UInt64(text) {
            milliseconds = number
        } else {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let plain = ISO8601DateFormatter()
            if let date = formatter.date(from: text) ?? plain.date(from: text), date.timeIntervalSince1970 >= 0 {
                milliseconds = UInt64(date.timeIntervalSince1970 * 1000)
            }
        }
        guard let milliseconds, milliseconds <= Timestamp.maxMilliseconds else {
            throw SyncServerError.badRequest(
                "\(name) must be a timestamp, milliseconds since 1970, or an ISO 8601 date and time such as 2026-12-06T10:00:00Z")
        }
        // The earliest timestamp of that millisecond sorts after this prefix of it.
        let hex = String(milliseconds, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex + "-00000000"
    }

    /// `GET /v1/export`: the merged state in the canonical form of `annot export`, streamed
    /// from the store a page at a time: each export holds one page and one chunk.
    func export(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        try await currentView()
        let store = store
        return Responses.stream(request: request) { emit in
            try await store.viewExport(chunkBytes: 64 * 1024, emit)
        }
    }

    // MARK: - Snapshots

    static func noSnapshot(_ message: String) -> SyncServerError { SyncServerError(.notFound, code: "no_snapshot", message) }

    /// `GET /v1/snapshot`: the manifest of the newest snapshot of the server's state.
    func snapshot(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        guard let snapshots, let current = await snapshots.current() else {
            throw Self.noSnapshot("the server has no snapshot yet: replicas pull the log")
        }
        return Responses.json(current.manifest, request: request)
    }

    /// `GET /v1/snapshots/{sha256}`: a snapshot's file, a replica database, streamed from disk.
    func snapshotFile(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let name = try context.parameters.require("sha256")
        guard (try? OperationID(name)) != nil, let snapshots, let path = await snapshots.file(sha256: name),
            let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        else {
            throw Self.noSnapshot("no snapshot \(name.prefix(12)): it may have been replaced by a newer one (GET /v1/snapshot)")
        }
        let body = try await FileIO().loadFile(path: path, context: context, chunkLength: 256 * 1024)
        var headers = HTTPFields()
        headers[.contentType] = "application/vnd.sqlite3"
        headers[.contentLength] = "\(size)"
        headers[.eTag] = "\"\(name)\""
        headers[.cacheControl] = "private, max-age=31536000, immutable"
        return Response(status: .ok, headers: headers, body: body)
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
