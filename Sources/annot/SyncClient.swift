import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1
import SyncCore

/// The client side of the sync protocol (`docs/protocol.md`), over AsyncHTTPClient.
///
/// AsyncHTTPClient rather than URLSession: it is pure Swift on SwiftNIO, so `annot`
/// does not load libcurl and its dozens of shared libraries on every command.
final class SyncClient: Sendable {
    let baseURL: String
    let token: String
    let timeout: TimeAmount = .seconds(120)
    private let http: HTTPClient

    /// A client for the server at `baseURL`. Call ``shutdown()`` when done.
    ///
    /// Its own HTTPClient rather than `HTTPClient.shared`: the shared one inflates gzip
    /// bodies itself and refuses ratios over 25, which the highly repetitive JSON of a
    /// changes document exceeds; this client inflates with its own size bound instead.
    init(baseURL: String, token: String) {
        self.baseURL = baseURL
        self.token = token
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .disabled
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(120))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Fails fast, with a clear message, when the server is not there (the connection pool
    /// would otherwise keep retrying a refused connection until a request's deadline).
    func checkReachable() async throws {
        _ = try await send(path: "/healthz", method: .GET, body: nil, deadline: .seconds(5))
    }

    /// What the server answered to a push.
    struct PushOutcome: Decodable {
        let accepted: Int
        let duplicates: Int
        let head: Int64
    }

    /// One page of a pull.
    struct PullPage {
        let changesets: [Changeset]
        let operations: Int
        let cursor: Int64
        let more: Bool
        /// The server store's identity (servers before it was introduced send none).
        let store: String?
    }

    /// Pushes a changes document, gzip-compressed.
    func push(_ document: [UInt8]) async throws -> PushOutcome {
        var body = ByteBuffer(bytes: document)
        let compressed = try body.compress(with: .gzip)
        let data = try await send(path: "/v1/push", method: .POST, body: compressed)
        do {
            return try JSONDecoder().decode(PushOutcome.self, from: data)
        } catch {
            throw AnnotError("the server at \(baseURL) answered a push with something that is not the sync protocol")
        }
    }

    /// Pulls the operations after `cursor`.
    func pull(after cursor: Int64, limit: Int) async throws -> PullPage {
        let data = try await send(path: "/v1/pull?after=\(cursor)&limit=\(limit)", method: .GET, body: nil)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let changes = object["changes"] as? [String: Any], let next = (object["cursor"] as? NSNumber)?.int64Value,
            let more = object["more"] as? Bool
        else { throw AnnotError("the server at \(baseURL) answered a pull with something that is not the sync protocol") }
        let changesets: [Changeset]
        do {
            changesets = try WireFormat.decode(document: changes)
        } catch {
            throw AnnotError("the server sent malformed changes: \(error)")
        }
        return PullPage(
            changesets: changesets, operations: changesets.reduce(0) { $0 + $1.operations.count }, cursor: next, more: more,
            store: object["store"] as? String)
    }

    private func send(path: String, method: HTTPMethod, body: ByteBuffer?, deadline: TimeAmount? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "annot/0.1.0")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Content-Encoding", value: "gzip")
            request.body = .bytes(body)
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: deadline ?? timeout)
        } catch {
            throw AnnotError("cannot reach the server at \(baseURL) (\(Self.describe(error))); nothing is lost: sync again later")
        }
        var buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: 256 * 1024 * 1024)
        } catch {
            throw AnnotError("the connection to \(baseURL) broke during the reply (\(Self.describe(error))); sync again")
        }
        // HTTPClient.shared may already have inflated the body (it keeps the header): look
        // at the gzip magic bytes rather than trusting Content-Encoding alone.
        if response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip",
            buffer.getBytes(at: buffer.readerIndex, length: 2) == [0x1f, 0x8b]
        {
            do {
                buffer = try buffer.decompress(with: .gzip, maxSize: 1024 * 1024 * 1024)
            } catch {
                throw AnnotError("the server at \(baseURL) sent a corrupt gzip body (\(error)); sync again")
            }
        }
        let data = Data(buffer.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            let message = error?["message"] as? String ?? "HTTP \(response.status.code) \(response.status.reasonPhrase)"
            throw ServerRejection(status: Int(response.status.code), code: error?["code"] as? String ?? "", message: message)
        }
        return data
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("deadlineExceeded") || text.contains("timeout") { return "timed out" }
        if text.contains("remoteConnectionClosed") { return "the server closed the connection" }
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}

/// A 4xx or 5xx answer from the server, with its error code and message.
struct ServerRejection: Error, CustomStringConvertible {
    let status: Int
    let code: String
    let message: String

    var description: String { "the server refused (\(status)\(code.isEmpty ? "" : " \(code)")): \(message)" }
}
