import CurlTransport
import Foundation
import Replica
import SyncCore

/// The sync protocol's transport over the system's libcurl (`docs/protocol.md`); the
/// protocol itself is Replica's ``SyncSession``.
///
/// libcurl is loaded with `dlopen` the first time a sync needs it (see `CurlTransport`):
/// the local commands, which are most of what an analyst runs, start without loading it
/// and the libraries it depends on, and `annot` carries no network stack of its own.
/// Requests are blocking: a sync is one conversation, one request at a time, over one
/// connection that libcurl keeps open between requests (one TCP and TLS handshake per sync
/// rather than per request).
final class SyncClient: SyncTransport {
    let baseURL: String
    let token: String
    /// The libcurl handle every request of this client reuses.
    private let session = ct_session_new()
    /// How long one request may take, in milliseconds.
    let timeout = 120_000
    /// How long connecting may take, in milliseconds.
    let connectTimeout = 5_000
    /// The largest reply accepted, after inflating: eight times the server's default body
    /// limit. A pull page over it is asked for again in smaller pages (``SyncSession``).
    static let maxReply = 64 * 1024 * 1024

    /// A client for the server at `baseURL`.
    init(baseURL: String, token: String) {
        self.baseURL = baseURL
        self.token = token
    }

    deinit { ct_session_free(session) }

    /// Fails fast, with a clear message, when the server is not there.
    func checkReachable() throws {
        _ = try send(path: "/healthz", method: "GET", body: nil, deadline: 5_000)
    }

    /// Sends one request (bodies gzip-compressed) and returns the answer's body.
    func send(method: String, path: String, body: [UInt8]?) throws -> [UInt8] {
        Array(try send(path: path, method: method, body: try body.map(Self.gzip)))
    }

    private func send(path: String, method: String, body: [UInt8]?, deadline: Int? = nil) throws -> Data {
        var headers = ["Authorization: Bearer \(token)", "User-Agent: annot/0.1.0"]
        if body != nil {
            headers += ["Content-Type: application/json", "Content-Encoding: gzip"]
        }
        var response = ct_response()
        defer { ct_response_free(&response) }
        let pointers = headers.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let url = baseURL + path
        let (session, connectTimeout, timeout) = (self.session, self.connectTimeout, deadline ?? self.timeout)
        pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerList in
            let perform = { (bytes: UnsafePointer<UInt8>?, count: Int) in
                ct_request(
                    session, url, method, headerList.baseAddress, headerList.count, bytes, count, connectTimeout,
                    timeout, Self.maxReply, &response)
            }
            if let body {
                body.withUnsafeBufferPointer { perform($0.baseAddress, $0.count) }
            } else {
                perform(nil, 0)
            }
        }
        try check(&response)
        return response.body.map { Data(bytes: $0, count: response.body_length) } ?? Data()
    }

    /// Receives the body of a GET as it arrives (a snapshot), handing each piece to `receive`.
    func download(path: String, _ receive: (UnsafeRawBufferPointer) throws -> Void) throws {
        let headers = ["Authorization: Bearer \(token)", "User-Agent: annot/0.1.0"]
        let pointers = headers.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        var response = ct_response()
        defer { ct_response_free(&response) }
        /// What the C callback sees: the Swift closure, and the first error it threw.
        final class Receiver {
            let receive: (UnsafeRawBufferPointer) throws -> Void
            var error: (any Error)?
            init(_ receive: @escaping (UnsafeRawBufferPointer) throws -> Void) { self.receive = receive }
        }
        try withoutActuallyEscaping(receive) { receive in
            let receiver = Receiver(receive)
            let context = Unmanaged.passUnretained(receiver).toOpaque()
            let url = baseURL + path
            pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerList in
                ct_stream(
                    session, url, headerList.baseAddress, headerList.count, connectTimeout,
                    { context, data, length in
                        let receiver = Unmanaged<Receiver>.fromOpaque(context!).takeUnretainedValue()
                        do {
                            try receiver.receive(UnsafeRawBufferPointer(start: data, count: length))
                            return 0
                        } catch {
                            receiver.error = error
                            return 1
                        }
                    }, context, &response)
            }
            if let error = receiver.error { throw error }
        }
        try check(&response)
    }

    /// Throws what a finished request's response says went wrong, if anything.
    private func check(_ response: inout ct_response) throws {
        if response.failure != 0 {
            let message = withUnsafeBytes(of: response.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            switch Int32(response.failure) {
            case Int32(CT_FAILURE_UNAVAILABLE):
                throw AnnotError("cannot sync: \(message)")
            case Int32(CT_FAILURE_TOO_LARGE):
                throw SyncReplyTooLarge(limit: Self.maxReply)
            case Int32(CT_FAILURE_CLOSED):
                throw AnnotError("the connection to the server at \(baseURL) broke (\(message)); nothing is lost: sync again")
            default:
                throw AnnotError(
                    "cannot reach the server at \(baseURL) (\(Self.describe(Int32(response.failure), message))); nothing is lost: sync again later")
            }
        }
        let data = response.body.map { Data(bytes: $0, count: response.body_length) } ?? Data()
        guard (200..<300).contains(response.status) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            let message = error?["message"] as? String ?? "HTTP \(response.status)"
            throw SyncRejection(status: response.status, code: error?["code"] as? String ?? "", message: message)
        }
    }

    static func describe(_ failure: Int32, _ message: String) -> String {
        switch failure {
        case Int32(CT_FAILURE_REFUSED): return "connection refused"
        case Int32(CT_FAILURE_TIMEOUT): return "timed out"
        case Int32(CT_FAILURE_RESOLVE): return "unknown host"
        case Int32(CT_FAILURE_TLS): return "TLS: \(message)"
        default: return message.count > 120 ? String(message.prefix(120)) + "…" : message
        }
    }

    /// Gzip-compresses a request body.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let result = bytes.withUnsafeBufferPointer { ct_gzip($0.baseAddress, $0.count, &output, &length) }
        guard result == 0, let output else { throw AnnotError("cannot compress the changes to push") }
        defer { ct_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }
}

