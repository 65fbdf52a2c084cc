import AsyncHTTPClient
import Foundation
import SyncCore
import NIOCore
import NIOHTTP1

/// A plain HTTP client of the sync protocol (`docs/protocol.md`): it seeds servers, runs
/// the baseline pull loop and plays the concurrent clients. It sends prepared bytes and
/// reads from the answers only what it needs, so that its own cost stays small.
final class SyncEndpoint: Sendable {
    let baseURL: String
    private let http: HTTPClient

    /// One page of a pull, kept as bytes.
    struct PulledPage: Sendable {
        /// The cursor to pull after next.
        let cursor: Int64
        /// Whether the server has more after `cursor`.
        let more: Bool
        /// The response body as it crossed the wire (gzip-compressed).
        let wireBytes: Int
        /// The response body once inflated.
        let jsonBytes: Int
    }

    /// A client with a connection pool of its own, gzip left to this code as `annot` does.
    init(baseURL: String) {
        self.baseURL = baseURL
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .disabled
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(120))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Pushes a gzip-compressed changes document with `token`.
    func push(gzipped body: ByteBuffer, token: String) async throws -> SyncProtocol.PushOutcome {
        let answer = try await send("/v1/push", method: .POST, body: body, token: token)
        guard let outcome = try? JSONDecoder().decode(SyncProtocol.PushOutcome.self, from: Data(answer.body.readableBytesView))
        else {
            throw SyncBenchError("\(baseURL) answered a push with something that is not the sync protocol")
        }
        return outcome
    }

    /// Pulls the page after `cursor` and reads only its `cursor` and `more`.
    func pull(after cursor: Int64, limit: Int, token: String) async throws -> PulledPage {
        let answer = try await send("/v1/pull?after=\(cursor)&limit=\(limit)", method: .GET, body: nil, token: token)
        guard let tail = Self.cursorAndMore(answer.body) else {
            throw SyncBenchError("\(baseURL) answered a pull with something that is not the sync protocol")
        }
        return PulledPage(
            cursor: tail.cursor, more: tail.more, wireBytes: answer.wireBytes, jsonBytes: answer.body.readableBytes)
    }

    /// Adds a user with an admin's token (`POST /v1/users`) and returns the new token.
    func addUser(_ name: String, role: String, adminToken: String) async throws -> String {
        let body = try JSONEncoder().encode(SyncProtocol.NewUser(name: name, role: role))
        let answer = try await send(
            "/v1/users", method: .POST, body: ByteBuffer(bytes: body), token: adminToken, gzip: false)
        guard let issued = try? JSONDecoder().decode(SyncProtocol.IssuedToken.self, from: Data(answer.body.readableBytesView)) else {
            throw SyncBenchError("\(baseURL) answered POST /v1/users with something that is not the sync protocol")
        }
        return issued.token
    }

    /// A GET, timed: its status and inflated body, whatever the status.
    func get(_ path: String, token: String) async throws -> (status: Int, body: ByteBuffer, seconds: Double) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        let start = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(120))
        let received = try await response.body.collect(upTo: 512 * 1024 * 1024)
        let seconds = Statistics.seconds(ContinuousClock.now - start)
        let compressed = response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip"
        return (Int(response.status.code), compressed ? try Gzip.inflateIfCompressed(received) : received, seconds)
    }

    /// A pull response ends with its top-level keys after `changes` (sorted: `cursor`,
    /// `more`, then `store` from servers that report their store), and the characters
    /// `"cursor":` and `"more":` can occur nowhere else unescaped: read them from the end.
    static func cursorAndMore(_ body: ByteBuffer) -> (cursor: Int64, more: Bool)? {
        let text = String(decoding: Array(body.readableBytesView.suffix(256)), as: UTF8.self)
        guard let key = text.range(of: "\"cursor\":", options: .backwards),
            let comma = text[key.upperBound...].firstIndex(of: ","),
            let cursor = Int64(text[key.upperBound..<comma]),
            let moreKey = text.range(of: "\"more\":", options: .backwards)
        else { return nil }
        let rest = text[moreKey.upperBound...]
        if rest.hasPrefix("true") { return (cursor, true) }
        if rest.hasPrefix("false") { return (cursor, false) }
        return nil
    }

    private func send(
        _ path: String, method: HTTPMethod, body: ByteBuffer?, token: String, gzip: Bool = true
    ) async throws -> (body: ByteBuffer, wireBytes: Int) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            if gzip { request.headers.add(name: "Content-Encoding", value: "gzip") }
            request.body = .bytes(body)
        }
        let response = try await http.execute(request, timeout: .seconds(120))
        let received = try await response.body.collect(upTo: 512 * 1024 * 1024)
        let compressed = response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip"
        let inflated = compressed ? try Gzip.inflateIfCompressed(received) : received
        guard (200..<300).contains(response.status.code) else {
            let text = String(decoding: inflated.readableBytesView.prefix(300), as: UTF8.self)
            throw SyncBenchError("\(method) \(path): HTTP \(response.status.code): \(text)")
        }
        return (inflated, received.readableBytes)
    }
}

extension SyncEndpoint {
    /// Runs `body` with a client of the server at `baseURL`, shutting the client down
    /// afterwards whether `body` succeeds or throws.
    static func using<T>(_ baseURL: String, _ body: (SyncEndpoint) async throws -> T) async throws -> T {
        let endpoint = SyncEndpoint(baseURL: baseURL)
        do {
            let value = try await body(endpoint)
            await endpoint.shutdown()
            return value
        } catch {
            await endpoint.shutdown()
            throw error
        }
    }
}
