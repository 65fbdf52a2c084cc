import Hummingbird

/// Every endpoint of the server, in one table: the router registers them from it, and the
/// 405 answer (with `Allow`) for a known path asked with another method reads it too.
enum Endpoint: CaseIterable, Sendable {
    case healthz, metrics, openAPI
    case push, pull, keys, claimKey, articles, article, tags, notes, export, snapshot, snapshotFile, addUser, listUsers, revokeUser

    /// The method and the path (`:name` is one path segment, given to the handler).
    var route: (method: HTTPRequest.Method, path: String) {
        switch self {
        case .healthz: (.get, "/healthz")
        case .metrics: (.get, "/metrics")
        case .openAPI: (.get, "/openapi.yaml")
        case .push: (.post, "/v1/push")
        case .pull: (.get, "/v1/pull")
        case .keys: (.get, "/v1/keys")
        case .claimKey: (.post, "/v1/keys")
        case .articles: (.get, "/v1/articles")
        case .article: (.get, "/v1/articles/:id")
        case .tags: (.get, "/v1/tags")
        case .notes: (.get, "/v1/notes")
        case .export: (.get, "/v1/export")
        case .snapshot: (.get, "/v1/snapshot")
        case .snapshotFile: (.get, "/v1/snapshots/:sha256")
        case .addUser: (.post, "/v1/users")
        case .listUsers: (.get, "/v1/users")
        case .revokeUser: (.delete, "/v1/users/:name")
        }
    }

    /// Whether the request must carry a valid bearer token.
    var authenticated: Bool { route.path.hasPrefix("/v1/") }

    /// The handler of the endpoint.
    func handler(_ routes: SyncRoutes) -> @Sendable (Request, SyncRequestContext) async throws -> Response {
        switch self {
        case .healthz: routes.healthz
        case .metrics: routes.metrics
        case .openAPI: routes.openAPI
        case .push: routes.push
        case .pull: routes.pull
        case .keys: routes.keys
        case .claimKey: routes.claimKey
        case .articles: routes.articles
        case .article: routes.article
        case .tags: routes.tags
        case .notes: routes.notes
        case .export: routes.export
        case .snapshot: routes.snapshot
        case .snapshotFile: routes.snapshotFile
        case .addUser: routes.addUser
        case .listUsers: routes.listUsers
        case .revokeUser: routes.revokeUser
        }
    }

    /// The methods `path` takes, or nil when no endpoint has that path.
    static func methods(allowedOn path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        let methods = allCases.filter { endpoint in
            let pattern = endpoint.route.path.split(separator: "/")
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.route.method)
        return methods.isEmpty ? nil : methods
    }
}
