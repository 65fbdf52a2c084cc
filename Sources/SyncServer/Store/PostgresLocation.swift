import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL database named by a URL:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
struct PostgresLocation: CustomStringConvertible {
    let configuration: PostgresClient.Configuration
    /// The URL without its password.
    let description: String

    /// Parses `url`; `password`, when given, is used if the URL has none.
    init(url: String, password: String? = nil) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw SyncServerError.configuration("the store URL must look like postgres://USER@HOST:PORT/DATABASE, not '\(url)'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SyncServerError.configuration("the store URL '\(url)' names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw SyncServerError.configuration("the store URL '\(url)' names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw SyncServerError.configuration("the store URL '\(url)' names no database (postgres://USER@HOST/DATABASE)")
        }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw SyncServerError.configuration("sslmode must be disable, prefer or require, not '\(mode)'")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password ?? password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 16
        // syncd's statements are short. PostgreSQL compiles a statement to machine code when
        // the planner's cost estimate passes `jit_above_cost`, which estimates taken from
        // the statistics of tables that grow faster than they are analyzed do: 2 to 5 ms
        // each time for the watermark's statement of a few microseconds (BENCHMARKS.md, (i)).
        configuration.options.additionalStartupParameters = [("jit", "off")]
        self.configuration = configuration
        description = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
    }
}
