import Foundation
import Hummingbird
import Logging
import SyncCore

/// Builds the sync server: its router (shared by `syncd serve` and the router tests) and
/// the application that serves it.
public enum SyncServer {
    /// The router with every endpoint of the protocol.
    public static func buildRouter(
        store: any ChangeStore,
        configuration: SyncServerConfiguration = .init(),
        metrics: SyncMetrics = .init(),
        wallClock: any WallClock = ServerWallClock()
    ) -> Router<SyncRequestContext> {
        let corpus = MergedCorpus(store: store)
        let routes = SyncRoutes(
            store: store, corpus: corpus, configuration: configuration, metrics: metrics, wallClock: wallClock)
        let router = Router(context: SyncRequestContext.self)
        // One structured log line per request at debug level (`syncd serve --log-level debug`);
        // the bearer token is never logged.
        router.add(middleware: LogRequestsMiddleware(.debug, redactHeaders: [.authorization]))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(metrics: metrics))

        router.get("healthz") { request, _ in Responses.json(["status": "ok"], request: request) }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
        router.get("openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }

        let api = router.group("v1").add(middleware: AuthMiddleware(store: store))
        api.post("push", use: routes.push)
        api.get("pull", use: routes.pull)
        api.get("keys", use: routes.keys)
        api.post("keys", use: routes.claimKey)
        api.get("articles", use: routes.articles)
        api.get("articles/:id", use: routes.article)
        api.get("tags", use: routes.tags)
        api.get("export", use: routes.export)
        api.post("users", use: routes.addUser)
        api.get("users", use: routes.listUsers)
        api.delete("users/:name", use: routes.revokeUser)
        return router
    }

    /// Every endpoint and the methods it takes; `*` is one path segment. It answers 405
    /// (rather than 404) for a known path asked with another method.
    static let endpoints: [(path: [Substring], methods: [HTTPRequest.Method])] = [
        ("/healthz", [.get]), ("/metrics", [.get]), ("/openapi.yaml", [.get]), ("/v1/push", [.post]),
        ("/v1/pull", [.get]), ("/v1/keys", [.get, .post]), ("/v1/articles", [.get]), ("/v1/articles/*", [.get]), ("/v1/tags", [.get]),
        ("/v1/export", [.get]), ("/v1/users", [.get, .post]), ("/v1/users/*", [.delete]),
    ].map { ($0.0.split(separator: "/"), $0.1) }

    /// The methods `path` takes, or nil when no endpoint has that path.
    static func methods(allowedOn path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        return endpoints.first { endpoint in
            endpoint.path.count == segments.count && zip(endpoint.path, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }?.methods
    }

    /// The application: the router served over HTTP/1.1, with graceful shutdown on SIGTERM
    /// and SIGINT (requests in flight are finished first).
    public static func buildApplication(
        store: any ChangeStore,
        configuration: SyncServerConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter(store: store, configuration: configuration)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "syncd"),
            services: store.services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        // Runs with the store's services (its connection pool) already started.
        app.beforeServerStarts { try await store.prepare() }
        return app
    }
}

/// The machine's clock, for the server's drift check.
public struct ServerWallClock: WallClock {
    public init() {}
    public func milliseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}
