import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SyncCore

/// Builds the sync server: its router (shared by `syncd serve` and the router tests) and
/// the application that serves it.
public enum SyncServer {
    /// The router with every endpoint of the protocol.
    public static func buildRouter(
        store: any ChangeStore,
        configuration: SyncServerConfiguration = .init(),
        metrics: SyncMetrics = .init(),
        wallClock: any WallClock = ServerWallClock(),
        view: MergedView? = nil,
        snapshots: (any SnapshotProvider)? = nil
    ) -> Router<SyncRequestContext> {
        let tail = LogTail(
            store: store, budget: configuration.pullCacheBytes, readLimit: configuration.maxPullLimit, readBytes: configuration.maxPullBytes,
            observe: { metrics.pullTail($0) })
        let routes = SyncRoutes(
            store: store, tail: tail, view: view ?? MergedView(store: store), snapshots: snapshots, configuration: configuration, metrics: metrics,
            wallClock: wallClock,
            quota: PushQuota(configuration.quota))
        let router = Router(context: SyncRequestContext.self)
        // One structured log line per request at debug level (`syncd serve --log-level debug`);
        // the bearer token is never logged.
        router.add(middleware: LogRequestsMiddleware(.debug, redactHeaders: [.authorization]))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(metrics: metrics))

        // One table (``Endpoint``) for every route; the token is checked before the handler
        // of every `/v1/` endpoint.
        let authenticated = router.group().add(middleware: AuthMiddleware(store: store))
        for endpoint in Endpoint.allCases {
            let (method, path) = endpoint.route
            let handler = endpoint.handler(routes)
            if endpoint.authenticated {
                authenticated.on(RouterPath(path), method: method, use: handler)
            } else {
                router.on(RouterPath(path), method: method, use: handler)
            }
        }
        return router
    }

    /// The application: the router served over HTTP/1.1, with graceful shutdown on SIGTERM
    /// and SIGINT (requests in flight are finished first).
    public static func buildApplication(
        store: any ChangeStore,
        configuration: SyncServerConfiguration,
        logger: Logger,
        snapshots: (any SnapshotProvider & Service)? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let metrics = SyncMetrics()
        let view = MergedView(store: store)
        let router = buildRouter(store: store, configuration: configuration, metrics: metrics, view: view, snapshots: snapshots)
        let connections = ConnectionTable(limit: configuration.effectiveMaxConnections) { open, evicted in
            metrics.connections(open: open, evicted: evicted)
        }
        var app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(table: connections, configuration: configuration)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "syncd"),
            services: store.services + (snapshots.map { [$0] } ?? []),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        // Runs with the store's services (its connection pool) already started.
        app.beforeServerStarts {
            try await store.prepare()
            // A view behind its log (after an upgrade) catches up in the background.
            view.nudge()
        }
        return app
    }
}

/// The machine's clock, for the server's drift check.
public struct ServerWallClock: WallClock {
    public init() {}
    public func milliseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}
