import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer

/// A sync server on a real store (SQLite, or PostgreSQL), with one user of each role,
/// driven through its router by HummingbirdTesting.
final class ServerFixture: Sendable {
    let store: TestStore
    let wallClock: ManualWallClock
    let configuration: SyncServerConfiguration
    let adminToken: String
    let aliceToken: String
    let bobToken: String
    let readerToken: String

    /// The wall time the server's clock shows (operations are stamped around it).
    static let now: UInt64 = 1_764_000_000_000

    init(_ kind: StoreKind = .sqlite, configure: (inout SyncServerConfiguration) -> Void = { _ in }) async throws {
        store = try await TestStore(kind)
        wallClock = ManualWallClock(milliseconds: Self.now)
        var configuration = SyncServerConfiguration()
        configure(&configuration)
        self.configuration = configuration
        let tokens = try await store.withInstance { store in
            try await [
                UserAdministration.add(ServerUser(name: "root", role: .admin), to: store),
                UserAdministration.add(ServerUser(name: "alice", role: .curator), to: store),
                UserAdministration.add(ServerUser(name: "bob", role: .annotator), to: store),
                UserAdministration.add(ServerUser(name: "rita", role: .reader), to: store),
            ]
        }
        (adminToken, aliceToken, bobToken, readerToken) = (tokens[0], tokens[1], tokens[2], tokens[3])
    }

    deinit { store.remove() }

    /// Runs `body` against the router of a server instance, as a client would over HTTP.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let instance = try store.instance()
        let router = SyncServer.buildRouter(store: instance, configuration: configuration, wallClock: wallClock)
        var app = Application(router: router, services: instance.services)
        app.beforeServerStarts { try await instance.prepare() }
        return try await app.test(.router) { client in try await body(client) }
    }

    // MARK: - Requests

    static func headers(token: String?, _ extra: [HTTPField.Name: String] = [:]) -> HTTPFields {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        for (name, value) in extra { fields[name] = value }
        return fields
    }

    // MARK: - Operations

    /// The signing key of the test replica named `name` (the same key for the same name).
    static func signer(_ name: String) -> ReplicaSigner {
        ReplicaSigner(seed: name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 })
    }

    /// Changesets by `author` on replica `replica`, signed by it, `perChangeset` tag
    /// additions each, stamped from `start`.
    static func changesets(
        by author: String, replica: String = "r1", count: Int, start: UInt64 = now - 60_000, perChangeset: Int = 1,
        tag: String = "tag"
    ) -> [Changeset] {
        let user = try! UserName(author)
        let article = try! ArticleID("003_e7379399b3230908")
        let signer = signer(replica)
        var operations: [SyncOperation] = []
        for index in 0..<count * perChangeset {
            let stamp = Timestamp(milliseconds: start + UInt64(index), counter: 0, replica: signer.replica)
            operations.append(
                SyncOperation(timestamp: stamp, author: user, action: .addTag(article: article, tag: try! TagName("\(tag)\(index)"))))
        }
        return stride(from: 0, to: operations.count, by: perChangeset).map { index in
            try! Changeset(signing: Array(operations[index..<index + perChangeset]), with: signer)
        }
    }

    static func body(_ changesets: [Changeset]) -> ByteBuffer { ByteBuffer(bytes: Array(WireFormat.encode(changesets))) }

    /// Decodes a JSON response body into a dictionary.
    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// The `error.code` of a JSON error body.
    static func errorCode(_ response: TestResponse) -> String? {
        (json(response)["error"] as? [String: Any])?["code"] as? String
    }
}
