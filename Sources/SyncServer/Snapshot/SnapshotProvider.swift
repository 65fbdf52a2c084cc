import SyncCore

/// Where the server's snapshots come from (docs/protocol.md §16): a replica database of the
/// server's state at some point of its log, made by a replica of the log that the server
/// keeps (the `Snapshots` module, which `syncd` starts beside the router).
public protocol SnapshotProvider: Sendable {
    /// The newest snapshot, with its file, if there is one yet.
    func current() async -> (manifest: SyncProtocol.SnapshotManifest, path: String)?
    /// The file of the snapshot with this SHA-256, while it is kept (the newest, and the
    /// one before it for downloads that began before the newest was made).
    func file(sha256: String) async -> String?
    /// Says that the log grew (a push was stored), without waiting.
    func logGrew()
}
