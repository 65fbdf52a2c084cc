import Foundation

/// A temporary folder, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    /// The folder.
    public let url: URL

    /// Makes a new, empty folder whose name starts with `prefix`.
    public init(prefix: String = "annot-tests") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` in the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The folder's path.
    public var path: String { url.path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
