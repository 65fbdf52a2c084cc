import Hummingbird
import Prometheus
import SyncCore

/// The server's Prometheus metrics, served at `/metrics`.
public struct SyncMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let accepted: Counter
    private let duplicates: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        accepted = registry.makeCounter(name: "syncd_operations_accepted_total", help: "Operations pushed and newly stored.")
        duplicates = registry.makeCounter(name: "syncd_operations_duplicate_total", help: "Operations pushed again (idempotent retries).")
    }

    /// Records the number of open connections and counts one closed to make room.
    func connections(open: Int, evicted: Bool) {
        registry.makeGauge(name: "syncd_connections_open", help: "Connections open now.").set(Int64(open))
        if evicted {
            registry.makeCounter(
                name: "syncd_connections_evicted_total", help: "Connections closed at the cap to make room for a new one."
            ).increment()
        }
    }

    func pushed(_ outcome: SyncProtocol.PushOutcome) {
        accepted.increment(by: Int64(outcome.accepted))
        duplicates.increment(by: Int64(outcome.duplicates))
    }

    /// Counts a pull answered from the newest operations in memory or from the store, or
    /// records how much memory they hold (``LogTail``).
    func pullTail(_ event: LogTail.Event) {
        switch event {
        case .answered(let fromMemory):
            registry.makeCounter(
                name: "syncd_pulls_total", labels: [("from", fromMemory ? "memory" : "store")],
                help: "Pulls answered from the newest operations kept in memory, or from the store."
            ).increment()
        case .held(let bytes):
            registry.makeGauge(name: "syncd_pull_cache_bytes", help: "Bytes of the newest operations kept in memory for pulls.")
                .set(Int64(bytes))
        }
    }

    func rejected(_ code: String) {
        registry.makeCounter(name: "syncd_rejections_total", labels: [("reason", code)], help: "Requests rejected, by error code.")
            .increment()
    }

    func request(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        registry.makeCounter(name: "syncd_requests_total", labels: labels, help: "HTTP requests served.").increment()
        registry.makeDurationHistogram(
            name: "syncd_request_duration_seconds", labels: [("method", method), ("route", route)],
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)],
            help: "HTTP request latency."
        ).record(duration)
    }
}

/// Counts requests and records their latency, by route pattern (not raw path).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let metrics: SyncMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.request(
            method: request.method.rawValue, route: route, status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }
}
