import Foundation
import Hummingbird
import Logging
import NIOHTTP1

/// Renders every failure as a JSON error body with a stable code: Hummingbird's own errors
/// (404, 413 from a body over the limit, …) included. Anything unexpected becomes a logged
/// 500 whose body says nothing internal.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let metrics: SyncMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SyncServerError {
            metrics.rejected(error.code)
            return SyncServerError.jsonResponse(
                status: error.status, code: error.code, message: error.message, reason: error.reason, retryAfter: error.retryAfter)
        } catch let error as HTTPParserError {
            // Bad framing in a body (chunked encoding): the client's fault, never a 500.
            metrics.rejected("malformed_request")
            return SyncServerError.jsonResponse(
                status: .badRequest, code: "malformed_request", message: "the request is not valid HTTP/1.1 (\(error))")
        } catch let error as HTTPError where error.status == .notFound {
            // A known path asked with another method is a 405 naming the methods it takes.
            if let allowed = Endpoint.methods(allowedOn: request.uri.path) {
                metrics.rejected("method_not_allowed")
                var headers = HTTPFields()
                headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return SyncServerError.jsonResponse(
                    status: .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed on \(request.uri.path): use \(headers[.allow] ?? "")",
                    headers: headers)
            }
            metrics.rejected("not_found")
            return SyncServerError.jsonResponse(status: .notFound, code: "not_found", message: "no such endpoint: \(request.uri.path)")
        } catch let error as HTTPError {
            let code: String =
                switch error.status {
                case .notFound: "not_found"
                case .contentTooLarge: "body_too_large"
                case .methodNotAllowed: "method_not_allowed"
                default: "http_\(error.status.code)"
                }
            metrics.rejected(code)
            let message = error.body ?? (error.status == .notFound ? "no such endpoint: \(request.uri.path)" : error.status.reasonPhrase)
            return SyncServerError.jsonResponse(status: error.status, code: code, message: message)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            metrics.rejected("internal")
            return SyncServerError.jsonResponse(status: .internalServerError, code: "internal", message: "internal error; see the server log")
        }
    }
}

/// Runs a store call, turning a lost connection to the store into a 503 the client can retry.
enum StoreCall {
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SyncServerError {
            throw error
        } catch let error as StoreUnavailable {
            throw SyncServerError.unavailable("the store is unavailable (\(error.reason)); retry shortly")
        }
    }
}

/// Thrown by a store whose database cannot be reached right now.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// Why, for people.
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "the store is unavailable: \(reason)" }
}
