import Foundation
import TestSupport
import Logging
import PostgresNIO
import SyncServer
import Testing

/// The stores the conformance suite runs against: the embedded SQLite store always, and
/// PostgreSQL when `SYNCD_TEST_POSTGRES_URL` names a server where the tests may create
/// databases (`.ci/run` always starts one: see `scripts/pg-test-cluster`).
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The kinds available here. In CI both, always.
    static var available: [StoreKind] { TestDatabase.adminURL == nil ? [.sqlite] : [.sqlite, .postgres] }
}

/// A store of one kind on a fresh, empty database, that tests can open several instances of
/// (as several `syncd` processes would).
struct TestStore: Sendable {
    let kind: StoreKind
    /// The SQLite data folder, or the PostgreSQL URL.
    let location: String
    private let sqlite: SQLiteChangeStore?

    init(_ kind: StoreKind) async throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            location = FileManager.default.temporaryDirectory.appendingPathComponent("syncd-test-\(UUID().uuidString)").path
            sqlite = try SQLiteChangeStore(directory: location)
        case .postgres:
            location = try await TestDatabase.create()
            sqlite = nil
        }
    }

    /// A store instance. SQLite: the one instance (one file, one process). PostgreSQL: a new
    /// instance with its own connection pool, whose `services` must run while it is used.
    func instance(callTimeout: Duration = .seconds(30)) throws -> any ChangeStore {
        if let sqlite { return sqlite }
        var logger = Logger(label: "syncd-test")
        logger.logLevel = .critical
        return try PostgresChangeStore(url: location, callTimeout: callTimeout, logger: logger)
    }

    /// The store opened anew, as by a `syncd` restarted on it.
    func reopened() throws -> any ChangeStore {
        if kind == .sqlite { return try SQLiteChangeStore(directory: location) }
        return try instance()
    }

    /// Runs `body` with a ready instance: its services running, its schema migrated.
    func withInstance<T: Sendable>(
        callTimeout: Duration = .seconds(30), _ body: @escaping @Sendable (any ChangeStore) async throws -> T
    ) async throws -> T {
        let store = try instance(callTimeout: callTimeout)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in store.services { group.addTask { try await service.run(); return nil } }
            defer { group.cancelAll() }
            try await store.prepare()
            return try await body(store)
        }
    }

    func remove() {
        if kind == .sqlite { try? FileManager.default.removeItem(atPath: location) }
    }
}

/// Fresh databases on the test PostgreSQL server.
enum TestDatabase {
    /// The URL of a database on the test server from which others can be created.
    static var adminURL: String? {
        ProcessInfo.processInfo.environment["SYNCD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Creates an empty database and returns its URL.
    static func create() async throws -> String {
        guard let adminURL, var components = URLComponents(string: adminURL) else {
            throw TestFailure("SYNCD_TEST_POSTGRES_URL is not set")
        }
        let name = "syncd_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await run(adminURL, "CREATE DATABASE \(name)")
        components.path = "/\(name)"
        return try #require(components.string)
    }

    /// Runs one statement on the database at `url`.
    static func run(_ url: String, _ sql: String) async throws {
        var logger = Logger(label: "syncd-test")
        logger.logLevel = .critical
        let store = try PostgresChangeStore(url: url, callTimeout: .seconds(30), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            try await store.client.query(PostgresQuery(unsafeSQL: sql))
        }
    }
}


/// CI must run the PostgreSQL suite: a CI run without a test server is a failure, not a skip.
@Suite(.timeLimit(.minutes(10)))
struct PostgresAvailabilityTests {
    @Test func ciAlwaysRunsThePostgresSuite() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(TestDatabase.adminURL != nil, "CI must set SYNCD_TEST_POSTGRES_URL (see .ci/run)")
        }
    }
}
