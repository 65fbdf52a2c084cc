import Hummingbird

/// Authenticates `Authorization: Bearer TOKEN` against the store's users, or answers 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let store: any ChangeStore

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw SyncServerError.unauthorized("missing 'Authorization: Bearer TOKEN' header: ask an admin for a token")
        }
        // The scheme is case-insensitive (RFC 9110 §11.1).
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw SyncServerError.unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let user = try await StoreCall.run({ try await store.user(tokenHash: Token.hash(token)) }) else {
            throw SyncServerError.unauthorized("unknown or revoked token")
        }
        var context = context
        context.user = user
        return try await next(request, context)
    }
}
