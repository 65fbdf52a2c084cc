import Foundation
import Hummingbird
import SyncCore

/// The handlers of the sync protocol (`docs/protocol.md`, `/openapi.yaml`).
struct SyncRoutes: Sendable {
    let store: any ChangeStore
    let corpus: MergedCorpus
    let configuration: SyncServerConfiguration
    let metrics: SyncMetrics
    let wallClock: any WallClock

    // MARK: - Push and pull

    /// `POST /v1/push`: a changes document; each changeset applied atomically, idempotently.
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
            for operation in changeset.operations {
                do { try clock.check(operation.timestamp, now: now) } catch { throw SyncServerError.malformed(error) }
            }
        }
        let outcome = try await StoreCall.run { try await store.push(changesets.map(EncodedChangeset.init)) }
        metrics.pushed(outcome)
        return Responses.json(outcome, request: request)
    }

    /// `GET /v1/pull?after=N&limit=M`: operations after cursor N, whole changesets only.
    func pull(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let parameters = request.uri.queryParameters
        let after = try Self.integer(parameters["after"].map(String.init), name: "after", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(
            parameters["limit"].map(String.init), name: "limit", default: Int64(configuration.defaultPullLimit),
            range: 1...Int64(configuration.maxPullLimit))
        let page = try await StoreCall.run { try await store.pull(after: after, limit: Int(limit)) }
        let identity = try await StoreCall.run { try await corpus.storeIdentity() }
        // The changes document is spliced from the stored canonical JSON, not re-encoded.
        var bytes: [UInt8] = Array(#"{"changes":"#.utf8)
        bytes += WireFormat.document(rawChangesets: page.changesetGroups)
        bytes += Array(#","cursor":\#(page.cursor),"more":\#(page.more),"store":"\#(identity)"}"#.utf8)
        return Responses.json(encoded: bytes, request: request)
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

    /// `GET /v1/export`: the merged state in the canonical form of `annot export`.
    func export(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let snapshot = try await StoreCall.run { try await corpus.snapshot() }
        return Responses.json(encoded: Array(snapshot.canonicalJSON()), request: request)
    }

    // MARK: - Users

    struct NewUser: Codable {
        let name: String
        let role: String
    }

    struct IssuedToken: Codable {
        let name: String
        let role: String
        let token: String
    }

    func requireAdmin(_ context: SyncRequestContext) throws {
        let user = try context.requireUser()
        guard user.role.canManageUsers else { throw SyncServerError.forbidden("only admins may manage users") }
    }

    /// `POST /v1/users`: adds a user (or renews its token); the token is in the response, once.
    func addUser(_ request: Request, _ context: SyncRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try await RequestBody.read(request, limit: 64 * 1024)
        guard let new = try? JSONDecoder().decode(NewUser.self, from: Data(buffer: body)) else {
            throw SyncServerError.badRequest(#"the body must be {"name": "…", "role": "reader|annotator|admin"}"#)
        }
        let user = try UserAdministration.validate(name: new.name, role: new.role)
        let token = Token.generate()
        try await StoreCall.run { try await store.putUser(user, tokenHash: Token.hash(token)) }
        return Responses.json(IssuedToken(name: user.name, role: user.role.rawValue, token: token), request: request, status: .created)
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
            throw SyncServerError.badRequest("invalid role '\(role)': use reader, annotator or admin")
        }
        return ServerUser(name: name, role: role)
    }

    /// Adds a user to the store and returns the new token.
    public static func add(_ user: ServerUser, to store: any ChangeStore) async throws -> String {
        let token = Token.generate()
        try await store.putUser(user, tokenHash: Token.hash(token))
        return token
    }
}
