/// How a sync session reaches the server: one request at a time, blocking.
///
/// `annot` adapts the system's libcurl to it; tests adapt SyncServer's router in process.
/// Paths are the protocol's (`/v1/push`, `/v1/pull?after=…`), bodies JSON.
public protocol SyncTransport {
    /// Sends one request and returns the body of a 2xx answer.
    /// - Throws: ``SyncRejection`` for an answer with another status; any other error for a
    ///   request that got no answer (its description is shown to the user as is).
    func send(method: String, path: String, body: [UInt8]?) throws -> [UInt8]

    /// Sends a GET and hands the body of a 2xx answer to `receive` a piece at a time, as it
    /// arrives (a snapshot: hundreds of megabytes). An error `receive` throws ends the
    /// transfer and is thrown.
    /// - Throws: ``SyncRejection`` for an answer with another status.
    func download(path: String, _ receive: (UnsafeRawBufferPointer) throws -> Void) throws
}

extension SyncTransport {
    /// The whole answer of ``send(method:path:body:)``, handed over in one piece.
    public func download(path: String, _ receive: (UnsafeRawBufferPointer) throws -> Void) throws {
        let body = try send(method: "GET", path: path, body: nil)
        try body.withUnsafeBytes { try receive($0) }
    }
}

/// An answer from the server with a status other than 2xx, with its error code and message.
public struct SyncRejection: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "the server refused (\(status)\(code.isEmpty ? "" : " \(code)")): \(message)" }
}

/// A reply over the transport's cap on reply sizes: the sync asks again for less (a smaller
/// pull page), or stops with this error.
public struct SyncReplyTooLarge: Error, Sendable, CustomStringConvertible {
    /// The cap, in bytes.
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    public var description: String {
        "the server sent a reply over \(limit / 1024 / 1024) MiB, the most annot accepts: it is broken or hostile, or its pages are too large"
    }
}
