import Hummingbird

/// The request context of the sync server: Hummingbird's core context plus the user the
/// bearer token authenticated.
public struct SyncRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware`` on the `/v1` routes.
    public var user: ServerUser?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
    }

    /// The authenticated user; the `/v1` routes always have one.
    func requireUser() throws -> ServerUser {
        guard let user else { throw SyncServerError.unauthorized("a bearer token is required") }
        return user
    }
}
