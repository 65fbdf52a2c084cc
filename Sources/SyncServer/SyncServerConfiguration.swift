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
    /// Timestamps further ahead of the server's clock than this (milliseconds) are refused.
    public var maxDrift = HybridLogicalClock.defaultMaxDrift

    public init() {}
}
