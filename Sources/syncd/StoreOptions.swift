import ArgumentParser
import Foundation
import Logging
import SyncServer

/// The options that name the server's store: the embedded SQLite store in a data folder
/// (the default), or a PostgreSQL database shared by several instances.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The data folder of the embedded SQLite store.", valueName: "dir"))
    var data: String?

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL store, postgres://USER@HOST:PORT/DATABASE, instead of --data (also $SYNCD_STORE; password in the URL or $SYNCD_STORE_PASSWORD).",
            valueName: "url"))
    var store: String?

    /// `--store`, else `$SYNCD_STORE`.
    var storeURL: String? {
        store ?? ProcessInfo.processInfo.environment["SYNCD_STORE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        switch (data, storeURL) {
        case (nil, nil): throw ValidationError("name a store: --data DIR (embedded SQLite) or --store postgres://USER@HOST/DATABASE")
        case (.some, .some): throw ValidationError("give either --data or --store (or $SYNCD_STORE), not both")
        default: break
        }
    }

    /// Opens the store. A PostgreSQL store's connection pool must be running (it is one of
    /// its `services`) before it is used.
    func open(logger: Logger) throws -> any ChangeStore {
        if let url = storeURL {
            let password = ProcessInfo.processInfo.environment["SYNCD_STORE_PASSWORD"]
            return try PostgresChangeStore(url: url, password: password, logger: logger)
        }
        return try SQLiteChangeStore(directory: data ?? ".")
    }

    /// Runs `body` with the store open and ready (its services running, its schema
    /// migrated), for short commands such as `syncd user add`.
    /// - Parameter existing: refuse a `--data` folder that holds no store yet (a command
    ///   that only reads or changes users must not make an empty store for a typo).
    func withStore<T: Sendable>(
        existing: Bool = false, _ body: @escaping @Sendable (any ChangeStore) async throws -> T
    ) async throws -> T {
        if existing, storeURL == nil, let data,
            !FileManager.default.fileExists(atPath: (data as NSString).appendingPathComponent("syncd.sqlite"))
        {
            throw ValidationError("no store in \(data): check --data (a new store is made by 'syncd serve' or 'syncd user add')")
        }
        var logger = Logger(label: "syncd")
        logger.logLevel = .error
        let store = try open(logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in store.services { group.addTask { try await service.run(); return nil } }
            defer { group.cancelAll() }
            try await store.prepare()
            return try await body(store)
        }
    }
}
