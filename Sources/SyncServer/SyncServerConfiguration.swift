import Foundation
import SyncCore

/// Settings of a sync server, with defaults fit for a team.
public struct SyncServerConfiguration: Sendable {
    /// Address to listen on. Loopback by default.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free one.
    public var port = 8080
    /// The largest request body accepted, compressed or not (default 8 MiB).
    public var maxBodyBytes = 8 * 1024 * 1024
    /// The most operations one push may hold.
    public var maxOperationsPerRequest = 20_000
    /// Pull page size when the client does not say.
    public var defaultPullLimit = 5_000
    /// The largest pull page a client may ask for.
    public var maxPullLimit = 20_000
    /// The most bytes of changes a pull page holds (default 8 MiB, the default
    /// `maxBodyBytes`): a page stops before the changeset that would take it past this. A
    /// single changeset larger than it (pushed under a larger `maxBodyBytes`) is sent
    /// alone, so no reply holds more than max(maxPullBytes, maxBodyBytes) of changes.
    public var maxPullBytes = 8 * 1024 * 1024
    /// The most bytes of the newest operations kept in memory for the pulls of clients that
    /// are nearly up to date (``LogTail``), so that the store is read once per batch of news
    /// rather than once per client; 0 keeps none and sends every pull to the store.
    public var pullCacheBytes = 32 * 1024 * 1024
    /// The longest a pull may wait for news (`GET /v1/pull?wait=S`, a long poll), in seconds:
    /// under ``idleTimeout`` of the clients' side, so that no proxy or client takes a wait
    /// for a dead connection.
    public var maxPullWait = 30
    /// How often a waiting pull looks at the store for what other instances sharing it took
    /// (pushes on its own instance wake it at once).
    public var longPollInterval: Duration = .milliseconds(250)
    /// Timestamps further ahead of the server's clock than this (milliseconds) are refused.
    public var maxDrift = HybridLogicalClock.defaultMaxDrift

    /// A connection that sends nothing for this long, after opening or after a response,
    /// is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// A request head must be whole within this long of its first byte.
    public var headerTimeout: Duration = .seconds(10)
    /// A request body must be whole within this long of its head.
    public var bodyTimeout: Duration = .seconds(60)
    /// While a connection's send buffer is full, the client must read some of it within
    /// every this long.
    public var sendTimeout: Duration = .seconds(60)
    /// The most connections open at once; at the cap, the one that has waited longest for
    /// its client is closed to make room (``effectiveMaxConnections`` also keeps it below
    /// the process's file descriptor limit).
    public var maxConnections = 1024
    /// Bytes of changes (decompressed) one user may push per ``quotaWindow``; 0: no limit.
    public var quotaBytes = PushQuota.Limits.standard.bytes
    /// Operations one user may push per ``quotaWindow``; 0: no limit.
    public var quotaOperations = PushQuota.Limits.standard.operations
    /// The window of the push quotas.
    public var quotaWindow = PushQuota.Limits.standard.window

    public init() {}

    var quota: PushQuota.Limits { .init(bytes: quotaBytes, operations: quotaOperations, window: quotaWindow) }

    /// File descriptors kept for the store, logs and the listening socket.
    static let reservedDescriptors = 64

    /// ``maxConnections``, lowered to fit the file descriptor limit (whose soft value
    /// `syncd serve` first raises to the hard one), so that the cap, not the kernel, turns
    /// connections away.
    public var effectiveMaxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int32.max) else { return maxConnections }
        return max(1, min(maxConnections, Int(limit.rlim_cur) - Self.reservedDescriptors))
    }

    /// Raises the soft file descriptor limit to the hard one.
    public static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
