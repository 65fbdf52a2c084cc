import Foundation
import HTTPTypes
import Hummingbird
import SyncCore

/// Every error the sync server reports. Each renders as a JSON body
/// `{"error":{"code":"…","message":"…"}}` with a 4xx status (or 503 when the store is
/// unreachable), so a client can act on `code` and show `message` to a person.
public struct SyncServerError: Error, Sendable, HTTPResponseError, CustomStringConvertible {
    /// The HTTP status of the response.
    public let status: HTTPResponse.Status
    /// A stable, machine-readable code.
    public let code: String
    /// A sentence a person can act on.
    public let message: String

    /// For `malformed`, the wire format's own code for what is wrong (`unknown_kind`,
    /// `missing_field`, …), sent as `reason`.
    public let reason: String?

    /// For 429 and 503: the seconds after which a retry may succeed (`Retry-After`).
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, reason: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.reason = reason
        self.retryAfter = retryAfter
    }

    public var description: String { message }

    // MARK: - The rejections of the protocol

    static func unauthorized(_ message: String) -> Self { .init(.unauthorized, code: "unauthorized", message) }
    static func forbidden(_ message: String) -> Self { .init(.forbidden, code: "forbidden", message) }
    static func authorship(_ author: String, user: String) -> Self {
        .init(.forbidden, code: "authorship",
            "operations must be authored by the pushing user: '\(user)' cannot push an operation by '\(author)'")
    }
    static func malformed(_ error: SyncCoreError) -> Self {
        switch error {
        case .clockDrift:
            return .init(.badRequest, code: "clock_drift", error.description)
        case .unsupportedVersion(let version):
            // The wire format's own message tells the reader to upgrade annot; here the
            // reader is the server.
            return .init(
                .badRequest, code: "malformed",
                "this server does not understand changes format version \(version): upgrade syncd",
                reason: error.code)
        default:
            return .init(.badRequest, code: "malformed", error.description, reason: error.code)
        }
    }
    static func badRequest(_ message: String) -> Self { .init(.badRequest, code: "bad_request", message) }
    static func keyBoundElsewhere(key: String, owner: String, user: String) -> Self {
        .init(.forbidden, code: SyncProtocol.ErrorCode.keyBoundElsewhere,
            "replica key \(key.prefix(16))… belongs to '\(owner)', not '\(user)': each replica key is bound to the first user who used it")
    }
    static func weakKey(_ key: String) -> Self {
        .init(.badRequest, code: "weak_key",
            "replica key \(key.prefix(16))… is a point of small order, for which anyone can forge signatures: make a new replica with 'annot init'")
    }
    static func collision(hlc: String, held: String, received: String) -> Self {
        .init(.conflict, code: SyncProtocol.ErrorCode.collision,
            "operation \(received.prefix(12)) has the timestamp \(hlc) of operation \(held.prefix(12)), which the server holds: "
                + "one of them was forged or made by a copied replica; nothing was stored")
    }
    static func changesetOverlap(hlc: String) -> Self {
        .init(.conflict, code: SyncProtocol.ErrorCode.changesetOverlap,
            "operation \(hlc) belongs to another changeset the server holds: a changeset is stored whole or not at all; nothing was stored")
    }
    static func importForbidden(_ user: String) -> Self {
        .init(.forbidden, code: SyncProtocol.ErrorCode.importForbidden,
            "'\(user)' may not import articles: only curators and admins import (ask an admin: syncd user add \(user) --role curator); nothing was stored")
    }
    static func decisionForbidden(_ user: String) -> Self {
        .init(.forbidden, code: SyncProtocol.ErrorCode.decisionForbidden,
            "'\(user)' may not adjudicate: only curators and admins record decisions (ask an admin: syncd user add \(user) --role curator); nothing was stored")
    }
    static func cursorMismatch(_ cursor: Int64) -> Self {
        .init(.conflict, code: SyncProtocol.ErrorCode.cursorMismatch,
            "the server's log does not hold the operation the client holds at \(cursor) (it was restored from a backup, or replaced): pull from 0 and push again")
    }
    /// A store that still holds unsigned format-1 operations; `syncd` refuses to serve it.
    public static func formatOneStore(_ location: String) -> Self {
        .init(.internalServerError, code: "format_1_store",
            "the store at \(location) holds operations in wire format 1 (unsigned), which this syncd no longer serves: "
                + "start syncd on a new store, and have each analyst carry their work over with 'annot upgrade' (docs/sync-model.md, \"Upgrading from format 1\")")
    }
    /// A problem with how the server was started (a bad store URL), reported by `syncd`.
    static func configuration(_ message: String) -> Self { .init(.internalServerError, code: "configuration", message) }
    static func tooLarge(_ limit: Int) -> Self {
        .init(.contentTooLarge, code: "body_too_large", "the request body is larger than the limit of \(limit) bytes: push in smaller batches")
    }
    static func tooManyOperations(_ limit: Int) -> Self {
        .init(.contentTooLarge, code: "too_many_operations", "a request may hold at most \(limit) operations: push in smaller batches")
    }
    static func quotaExceeded(_ what: String, retryAfter: Int) -> Self {
        .init(.tooManyRequests, code: "quota_exceeded",
            "this push would take you over your quota of \(what): retry in \(retryAfter) s (nothing was stored)", retryAfter: retryAfter)
    }
    static func bodyIncomplete(_ why: String) -> Self {
        .init(.badRequest, code: "malformed_request", "the request body could not be read: \(why)")
    }
    static func notFound(_ message: String) -> Self { .init(.notFound, code: "not_found", message) }
    static func conflict(_ message: String) -> Self { .init(.conflict, code: "conflict", message) }
    static func unavailable(_ message: String) -> Self { .init(.serviceUnavailable, code: "store_unavailable", message) }
    static func unsupportedEncoding(_ encoding: String) -> Self {
        .init(.unsupportedMediaType, code: "unsupported_encoding", "Content-Encoding '\(encoding)' is not supported: use gzip or none")
    }

    // MARK: - Rendering

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.jsonResponse(status: status, code: code, message: message, reason: reason, retryAfter: retryAfter)
    }

    static func jsonResponse(
        status: HTTPResponse.Status, code: String, message: String, reason: String? = nil, retryAfter: Int? = nil,
        headers extra: HTTPFields = [:]
    ) -> Response {
        let body = jsonBody(code: code, message: message, reason: reason)
        var headers = extra
        headers[.contentType] = "application/json"
        // RFC 9110 §11.6.1: a 401 names the scheme to use.
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The JSON error body `{"error":{"code":…,"message":…}}`.
    static func jsonBody(code: String, message: String, reason: String? = nil) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings only: encoding cannot fail.
        return Array(try! encoder.encode(SyncProtocol.ErrorBody(code: code, message: message, reason: reason)))
    }
}
