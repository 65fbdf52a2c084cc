import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Replica
import SyncCore
import SyncServer
import TestSupport

/// A sync server on a real SQLite store in a temporary folder, driven in process through
/// its router, with the replicas' ``SyncSession`` talking to it over ``RouterTransport``.
final class InProcessServer: Sendable {
    let scratch = TemporaryFolder(prefix: "protocol")
    var folder: String { scratch.path }
    let store: SQLiteChangeStore
    let wallClock: any WallClock

    init(wallClock: any WallClock = ServerWallClock()) throws {
        store = try SQLiteChangeStore(directory: scratch.path)
        self.wallClock = wallClock
    }

    /// A server whose store is a copy of the database file at `backup` (a restore).
    init(restoring backup: String, wallClock: any WallClock = ServerWallClock()) throws {
        try FileManager.default.copyItem(atPath: backup, toPath: scratch.path("syncd.sqlite"))
        store = try SQLiteChangeStore(directory: scratch.path)
        self.wallClock = wallClock
    }

    /// Adds a user and returns its token.
    func addUser(_ name: String, role: Role = .curator) async throws -> String {
        try await UserAdministration.add(ServerUser(name: name, role: role), to: store)
    }

    /// Runs `body` with a client of the router, as HTTP clients would see it.
    func test<Value: Sendable>(
        snapshots: (any SnapshotProvider)? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let router = SyncServer.buildRouter(store: store, wallClock: wallClock, snapshots: snapshots)
        var app = Application(router: router)
        app.beforeServerStarts { [store] in try await store.prepare() }
        return try await app.test(.router) { client in try await body(client) }
    }

    /// Runs blocking work (a sync session) on a thread of its own, so that it can wait on
    /// the router, which runs on Swift concurrency's threads.
    static func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// A ``SyncTransport`` over HummingbirdTesting's client of the router: the sync protocol
/// tested in process, with no socket.
final class RouterTransport: SyncTransport, @unchecked Sendable {
    let client: any TestClientProtocol
    let token: String
    /// Rewrites each answer before the session sees it: a server that lies.
    var tamper: (@Sendable (String, [UInt8]) -> [UInt8])?
    /// Makes every pull fail as a broken connection would.
    var failPulls = false
    /// Rewrites each request's path before it is sent.
    var rewritePath: (@Sendable (String) -> String)?
    /// An error to throw instead of sending the request at `path` (a reply over the client's cap).
    var refuse: (@Sendable (String) -> (any Error)?)?

    init(client: any TestClientProtocol, token: String) {
        self.client = client
        self.token = token
    }

    func send(method: String, path: String, body: [UInt8]?) throws -> [UInt8] {
        if failPulls, path.hasPrefix("/v1/pull") { throw SyncRejection(status: 0, code: "", message: "the connection broke") }
        if let error = refuse?(path) { throw error }
        let sent = rewritePath?(path) ?? path
        final class Box: @unchecked Sendable { var result: Result<(Int, [UInt8]), any Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let (client, token) = (client, token)
        Task {
            do {
                var headers = HTTPFields()
                headers[.authorization] = "Bearer \(token)"
                let response = try await client.execute(
                    uri: sent, method: HTTPRequest.Method(method)!, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
                box.result = .success((Int(response.status.code), Array(response.body.readableBytesView)))
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + 60) == .success else { throw SyncRejection(status: 0, code: "", message: "no answer in 60 s") }
        let (status, answer) = try box.result!.get()
        guard (200..<300).contains(status) else {
            let error = try? JSONDecoder().decode(SyncProtocol.ErrorBody.self, from: Data(answer))
            throw SyncRejection(status: status, code: error?.error.code ?? "", message: error?.error.message ?? "HTTP \(status)")
        }
        return tamper.map { $0(path, answer) } ?? answer
    }
}
