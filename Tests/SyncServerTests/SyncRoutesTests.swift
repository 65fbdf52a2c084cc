import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Every endpoint of the protocol and every rejection, through the router, on each real
/// store (the conformance suite of the HTTP behaviour: SQLite always, PostgreSQL when given).
@Suite(.timeLimit(.minutes(10)))
struct SyncRoutesTests {
    // MARK: - Operational endpoints

    @Test(arguments: StoreKind.available)
    func healthMetricsAndOpenAPIAreServedWithoutAToken(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(ServerFixture.json(response)["status"] as? String == "ok")
            }
            // Given one accepted push, the metrics count it.
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken),
                body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 3)))
            // and two pulls: the first from the store, the second (at the end of the log) from
            // the newest operations in memory.
            for cursor in [0, 3] {
                try await client.execute(
                    uri: "/v1/pull?after=\(cursor)", method: .get, headers: ServerFixture.headers(token: server.aliceToken)
                ) { response in #expect(response.status == .ok) }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(text.contains("syncd_operations_accepted_total 3"))
                #expect(text.contains(#"syncd_pulls_total{from="store"} 1"#))
                #expect(text.contains(#"syncd_pulls_total{from="memory"} 1"#))
                #expect(text.contains("syncd_pull_cache_bytes"))
                #expect(text.contains("syncd_requests_total"))
                #expect(text.contains("syncd_request_duration_seconds"))
            }
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                // The document served is the one kept in the repository, byte for byte.
                let kept = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
                let repository = try String(contentsOf: kept, encoding: .utf8)
                #expect(text.trimmingCharacters(in: .newlines) == repository.trimmingCharacters(in: .newlines))
                #expect(text.hasPrefix("openapi: 3"))
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func unknownEndpointIs404AndWrongMethodIs405(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            try await client.execute(uri: "/v1/nothing", method: .get, headers: ServerFixture.headers(token: server.aliceToken)) {
                #expect($0.status == .notFound)
                #expect(ServerFixture.errorCode($0) == "not_found")
            }
            // A known path with another method is a 405 that says which methods it takes.
            try await client.execute(uri: "/v1/push", method: .get, headers: ServerFixture.headers(token: server.aliceToken)) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.allow] == "POST")
                #expect(ServerFixture.errorCode($0) == "method_not_allowed")
            }
            try await client.execute(uri: "/v1/users/alice", method: .put) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.allow] == "DELETE")
            }
        }
    }

    // MARK: - Authentication and roles

    @Test(arguments: StoreKind.available, [nil, "Basic abc", "Bearer ", "Bearer not-a-token"])
    func missingOrBadTokenIs401(_ kind: StoreKind, header: String?) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            var headers = HTTPFields()
            if let header { headers[.authorization] = header }
            try await client.execute(uri: "/v1/pull", method: .get, headers: headers) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(ServerFixture.errorCode(response) == "unauthorized")
                #expect((ServerFixture.json(response)["error"] as? [String: Any])?["message"] as? String != nil)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func readerMayPullButNotPush(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.readerToken),
                body: ServerFixture.body(ServerFixture.changesets(by: "rita", count: 1))
            ) { response in
                #expect(response.status == .forbidden)
                #expect(ServerFixture.errorCode(response) == "forbidden")
            }
            try await client.execute(uri: "/v1/pull", method: .get, headers: ServerFixture.headers(token: server.readerToken)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func noPullReplyIsLargerThanTheByteCap() async throws {
        // Given a server whose pull pages hold at most 64 KiB of changes, holding 400 KiB
        let server = try await ServerFixture(.sqlite) { $0.maxPullBytes = 64 * 1024 }
        try await server.test { client in
            for batch in 0..<8 {
                let changesets = ServerFixture.changesets(
                    by: "alice", replica: "r\(batch)", count: 40, start: ServerFixture.now - 60_000 + UInt64(batch * 1000),
                    perChangeset: 5, tag: String(repeating: "a-long-tag-", count: 5))
                try await client.execute(
                    uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken),
                    body: ServerFixture.body(changesets)
                ) { #expect($0.status == .ok) }
            }
            // When a client pulls with the largest limit, Then every reply is under the cap
            // (with its envelope), and the pages together hold every operation
            var cursor = 0
            var operations = 0
            var pages = 0
            while true {
                let (more, next) = try await client.execute(
                    uri: "/v1/pull?after=\(cursor)&limit=\(server.configuration.maxPullLimit)", method: .get,
                    headers: ServerFixture.headers(token: server.aliceToken)
                ) { response in
                    #expect(response.body.readableBytes <= 64 * 1024 + 512, "a reply of \(response.body.readableBytes) bytes")
                    let json = ServerFixture.json(response)
                    let changesets = ((json["changes"] as? [String: Any])?["changesets"] as? [[String: Any]]) ?? []
                    operations += changesets.reduce(0) { $0 + (($1["operations"] as? [Any])?.count ?? 0) }
                    return (json["more"] as? Bool ?? false, json["cursor"] as? Int ?? cursor)
                }
                pages += 1
                cursor = next
                if !more { break }
            }
            #expect(operations == 8 * 40 * 5)
            #expect(pages > 5)
        }
    }

    @Test func aWaitingPullAnswersAsSoonAsAPushArrives() async throws {
        // Given a server whose log is empty
        let server = try await ServerFixture(.sqlite)
        try await server.test { client in
            // When a pull waits up to 20 s for news and alice pushes 300 ms later
            let clock = ContinuousClock()
            let start = clock.now
            async let waited = client.execute(
                uri: "/v1/pull?after=0&wait=20", method: .get, headers: ServerFixture.headers(token: server.bobToken)
            ) { response in
                #expect(response.status == .ok)
                let changesets = ((ServerFixture.json(response)["changes"] as? [String: Any])?["changesets"] as? [Any]) ?? []
                return (changesets.count, clock.now - start)
            }
            try await Task.sleep(for: .milliseconds(300))
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken),
                body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 3))
            ) { #expect($0.status == .ok) }
            let (changesets, elapsed) = try await waited
            // Then the waiting pull answers with alice's changesets, long before its wait ran out
            #expect(changesets == 3)
            #expect(elapsed >= .milliseconds(300))
            #expect(elapsed < .seconds(5), "the pull answered after \(elapsed)")
        }
    }

    @Test func aWaitThatRunsOutAnswersAnEmptyPageAndTheWaitIsBounded() async throws {
        // Given a server holding one changeset
        let server = try await ServerFixture(.sqlite)
        try await server.test { client in
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken),
                body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 1))
            ) { #expect($0.status == .ok) }
            // When a client waits for news with something already there, Then it gets it at once
            let clock = ContinuousClock()
            var start = clock.now
            try await client.execute(
                uri: "/v1/pull?after=0&wait=20", method: .get, headers: ServerFixture.headers(token: server.bobToken)
            ) { response in
                #expect(response.status == .ok)
                #expect(ServerFixture.json(response)["cursor"] as? Int == 1)
            }
            #expect(clock.now - start < .seconds(5))
            // When it waits past the end with nothing coming, Then an empty page comes after the wait
            start = clock.now
            try await client.execute(
                uri: "/v1/pull?after=1&wait=1", method: .get, headers: ServerFixture.headers(token: server.bobToken)
            ) { response in
                #expect(response.status == .ok)
                let json = ServerFixture.json(response)
                #expect(((json["changes"] as? [String: Any])?["changesets"] as? [Any])?.isEmpty == true)
                #expect(json["more"] as? Bool == false)
            }
            #expect(clock.now - start >= .milliseconds(900))
            // When it asks to wait longer than the server allows, or a negative time, Then 400
            for wait in ["31", "-1", "soon"] {
                try await client.execute(
                    uri: "/v1/pull?after=1&wait=\(wait)", method: .get, headers: ServerFixture.headers(token: server.bobToken)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(ServerFixture.errorCode(response) == "bad_request")
                }
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func annotatorMayNotPushAnotherAuthorsOperations(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            // Given alice's own changeset and one of bob's in one push
            let mixed = ServerFixture.changesets(by: "alice", count: 2) + ServerFixture.changesets(by: "bob", replica: "r2", count: 1)
            // When alice pushes them, Then all is refused with 403 and nothing is stored.
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken), body: ServerFixture.body(mixed)
            ) { response in
                #expect(response.status == .forbidden)
                #expect(ServerFixture.errorCode(response) == "authorship")
            }
            try await client.execute(uri: "/v1/pull", method: .get, headers: ServerFixture.headers(token: server.aliceToken)) {
                #expect(ServerFixture.json($0)["cursor"] as? Int == 0)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func revokedTokenIs401AndUserAdministrationIsForAdminsOnly(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            let admin = ServerFixture.headers(token: server.adminToken, [.contentType: "application/json"])
            // An annotator may not manage users.
            try await client.execute(uri: "/v1/users", method: .get, headers: ServerFixture.headers(token: server.aliceToken)) {
                #expect($0.status == .forbidden)
            }
            // An admin adds a user and gets its token once.
            let token: String = try await client.execute(
                uri: "/v1/users", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"carol","role":"annotator"}"#)
            ) { response in
                #expect(response.status == .created)
                return ServerFixture.json(response)["token"] as? String ?? ""
            }
            #expect(token.count >= 32)
            try await client.execute(uri: "/v1/pull", method: .get, headers: ServerFixture.headers(token: token)) { #expect($0.status == .ok) }
            // Bad input is a 400 with a message.
            try await client.execute(uri: "/v1/users", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"x y","role":"annotator"}"#)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/users", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"dan","role":"king"}"#)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/users", method: .get, headers: admin) { response in
                let users = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]] ?? []
                #expect(users.compactMap { $0["name"] as? String } == ["alice", "bob", "carol", "rita", "root"])
            }
            // Revoking makes the token useless at once.
            try await client.execute(uri: "/v1/users/carol", method: .delete, headers: admin) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/users/nobody", method: .delete, headers: admin) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/pull", method: .get, headers: ServerFixture.headers(token: token)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    // MARK: - Push

    @Test(arguments: StoreKind.available)
    func pushIsIdempotentByOperationID(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            let changesets = ServerFixture.changesets(by: "alice", count: 5)
            let headers = ServerFixture.headers(token: server.aliceToken)
            try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(changesets)) { response in
                #expect(response.status == .ok)
                let outcome = ServerFixture.json(response)
                #expect(outcome["accepted"] as? Int == 5)
                #expect(outcome["duplicates"] as? Int == 0)
                #expect(outcome["head"] as? Int == 5)
            }
            // When the client lost the answer and sends again, with one new changeset
            let again = changesets + ServerFixture.changesets(by: "alice", count: 1, start: ServerFixture.now)
            try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(again)) { response in
                let outcome = ServerFixture.json(response)
                #expect(outcome["accepted"] as? Int == 1)
                #expect(outcome["duplicates"] as? Int == 5)
                #expect(outcome["head"] as? Int == 6)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func gzipBodiesAreAcceptedAndLargeResponsesAreCompressed(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            var body = ServerFixture.body(ServerFixture.changesets(by: "alice", count: 200))
            let compressed = try body.compress(with: .gzip)
            try await client.execute(
                uri: "/v1/push", method: .post,
                headers: ServerFixture.headers(token: server.aliceToken, [.contentEncoding: "gzip"]), body: compressed
            ) { response in
                #expect(response.status == .ok)
                #expect(ServerFixture.json(response)["accepted"] as? Int == 200)
            }
            try await client.execute(
                uri: "/v1/pull", method: .get, headers: ServerFixture.headers(token: server.aliceToken, [.acceptEncoding: "gzip"])
            ) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                var buffer = response.body
                let plain = try buffer.decompress(with: .gzip)
                let page = try JSONSerialization.jsonObject(with: Data(plain.readableBytesView)) as? [String: Any]
                #expect(page?["cursor"] as? Int == 200)
            }
            try await client.execute(
                uri: "/v1/push", method: .post,
                headers: ServerFixture.headers(token: server.aliceToken, [.contentEncoding: "gzip"]), body: ByteBuffer(string: "not gzip")
            ) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(
                uri: "/v1/push", method: .post,
                headers: ServerFixture.headers(token: server.aliceToken, [.contentEncoding: "br"]), body: ByteBuffer(string: "{}")
            ) {
                #expect($0.status == .unsupportedMediaType)
                #expect(ServerFixture.errorCode($0) == "unsupported_encoding")
            }
        }
    }

    /// A changeset object around `operations` with a well-formed key and a signature that
    /// never verifies: enough to reach the operations' own validation.
    static func unsigned(_ operations: String) -> String {
        #"{"key":"\#(ServerFixture.signer("r1").key)","operations":[\#(operations)],"signature":"\#(String(repeating: "0", count: 128))"}"#
    }

    @Test(arguments: StoreKind.available, [
        ("not json", "malformed"), ("[]", "malformed"),
        (#"{"format":"annot-changes","version":3,"changesets":[]}"#, "unsupported_version"),
        (#"{"format":"annot-changes","version":1,"changesets":[]}"#, "unsupported_version"),
        (#"{"format":"annot-changes","version":2,"changesets":[\#(unsigned(#"{"hlc":"zz","author":"alice","kind":"tag.add"}"#))]}"#, "bad_timestamp"),
        (#"{"format":"annot-changes","version":2,"changesets":[\#(unsigned(#"{"hlc":"0193f1a2b3c4-00000000-\#(ServerFixture.signer("r1").replica)","author":"alice","kind":"tag.fly","article":"a","tag":"t"}"#))]}"#, "unknown_kind"),
        (#"{"format":"annot-changes","version":2,"changesets":[\#(unsigned(#"{"article":"a","author":"alice","hlc":"0193f1a2b3c4-00000000-\#(ServerFixture.signer("r1").replica)","kind":"tag.add","tag":"t"}"#))]}"#, "bad_signature"),
    ])
    func malformedPushIs400AndChangesNothing(_ kind: StoreKind, input: (body: String, reason: String)) async throws {
        let body = input.body
        let server = try await ServerFixture(kind)
        try await server.test { client in
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken), body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(ServerFixture.errorCode(response) == "malformed")
                #expect((ServerFixture.json(response)["error"] as? [String: Any])?["reason"] as? String == input.reason)
            }
            try await client.execute(uri: "/v1/pull", method: .get, headers: ServerFixture.headers(token: server.aliceToken)) {
                #expect(ServerFixture.json($0)["cursor"] as? Int == 0)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func clockTooFarAheadIs400ClockDrift(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            // Given a changeset stamped 6 minutes ahead of the server's clock (the bound is 5)
            let ahead = ServerFixture.changesets(by: "alice", count: 1, start: ServerFixture.now + 6 * 60_000)
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken), body: ServerFixture.body(ahead)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(ServerFixture.errorCode(response) == "clock_drift")
            }
            // When the server's clock catches up, the same push is accepted.
            server.wallClock.advance(by: 2 * 60_000)
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken), body: ServerFixture.body(ahead)
            ) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func bodiesOverTheLimitAre413(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind) { $0.maxBodyBytes = 8192; $0.maxOperationsPerRequest = 10 }
        try await server.test { client in
            let headers = ServerFixture.headers(token: server.aliceToken)
            // Too many bytes
            try await client.execute(
                uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 40))
            ) {
                #expect($0.status == .contentTooLarge)
                #expect(ServerFixture.errorCode($0) == "body_too_large")
            }
            // Small in bytes but too many operations
            try await client.execute(
                uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 11))
            ) {
                #expect($0.status == .contentTooLarge)
                #expect(ServerFixture.errorCode($0) == "too_many_operations")
            }
            // A gzip bomb: small compressed, over the limit once inflated
            var zeros = ByteBuffer(repeating: 0x20, count: 1_000_000)
            let bomb = try zeros.compress(with: .gzip)
            #expect(bomb.readableBytes < 8192)
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken, [.contentEncoding: "gzip"]), body: bomb
            ) {
                #expect($0.status == .contentTooLarge)
            }
            // A body just over the limit once inflated (NIO rounds the buffers CompressNIO
            // asks for up to powers of two, so its own bound let such bodies through)
            var over = ByteBuffer(repeating: 0x20, count: 8192 + 2000)
            try await client.execute(
                uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: server.aliceToken, [.contentEncoding: "gzip"]),
                body: try over.compress(with: .gzip)
            ) {
                #expect($0.status == .contentTooLarge)
                #expect(ServerFixture.errorCode($0) == "body_too_large")
            }
            // And the server keeps serving
            try await client.execute(
                uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(ServerFixture.changesets(by: "alice", count: 10))
            ) {
                #expect($0.status == .ok)
            }
        }
    }

    // MARK: - Pull

    @Test(arguments: StoreKind.available)
    func pullPagesThroughTheLogWithoutSplittingChangesets(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            let headers = ServerFixture.headers(token: server.aliceToken)
            // Given 10 changesets of 3 operations each
            let pushed = ServerFixture.changesets(by: "alice", count: 10, perChangeset: 3)
            try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(pushed))
            // When bob pulls with a limit of 4 operations
            var cursor = 0
            var received: [Changeset] = []
            var pages = 0
            while true {
                let page: [String: Any] = try await client.execute(
                    uri: "/v1/pull?after=\(cursor)&limit=4", method: .get, headers: ServerFixture.headers(token: server.bobToken)
                ) { ServerFixture.json($0) }
                let changes = try #require(page["changes"] as? [String: Any])
                received += try WireFormat.decode(document: changes)
                cursor = try #require(page["cursor"] as? Int)
                pages += 1
                guard page["more"] as? Bool == true else { break }
                #expect(pages < 20)
            }
            // Then every page names the store it comes from
            let store: String = try await client.execute(uri: "/v1/pull?after=0&limit=1", method: .get, headers: headers) {
                ServerFixture.json($0)["store"] as? String ?? ""
            }
            #expect(store.count == 32 && store.allSatisfy(\.isHexDigit))
            // And he gets every changeset whole, in order, in pages of 6 operations
            #expect(received == pushed)
            #expect(cursor == 30)
            #expect(pages == 5)
            // And a pull at the head is empty
            try await client.execute(uri: "/v1/pull?after=30", method: .get, headers: headers) { response in
                let page = ServerFixture.json(response)
                #expect(page["more"] as? Bool == false)
                #expect(page["cursor"] as? Int == 30)
            }
        }
    }

    @Test(arguments: StoreKind.available, ["after=-1", "after=x", "limit=0", "limit=1000000"])
    func badPullParametersAre400(_ kind: StoreKind, query: String) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            try await client.execute(uri: "/v1/pull?\(query)", method: .get, headers: ServerFixture.headers(token: server.aliceToken)) {
                #expect($0.status == .badRequest)
                #expect(ServerFixture.errorCode($0) == "bad_request")
            }
        }
    }

    // MARK: - The merged corpus

    @Test(arguments: StoreKind.available)
    func readEndpointsShowTheMergedCorpus(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            let alice = try UserName("alice")
            let article = try ArticleID("003_e7379399b3230908")
            let other = try ArticleID("004_03a8792a78a0fa29")
            let precondition = try TagName("precondition")
            let doha = try TagName("talks/doha")
            let signer = ServerFixture.signer("a1")
            var clock = HybridLogicalClock(replica: signer.replica)
            var builder = ChangesetBuilder(clock: clock, author: alice, signer: signer, now: ServerFixture.now)
            try builder.add { _ in .importArticle(article: article, title: "Talks", text: "The precondition is a ceasefire.") }
            try builder.add { _ in .importArticle(article: other, title: "Other", text: "Kabul.") }
            let tagAdd = try builder.add { _ in .addTag(article: article, tag: precondition) }
            let note = try builder.add { .createNote(note: EntityID(creator: $0), article: article, body: "Key point.", highlight: nil) }
            let first = try #require(try builder.build())
            clock = builder.clock
            var second = ChangesetBuilder(clock: clock, author: alice, signer: signer, now: ServerFixture.now)
            try second.add { _ in .addTag(article: other, tag: doha) }
            try second.add { _ in .removeTag(article: article, tag: precondition, removes: [tagAdd.timestamp]) }
            try second.add { _ in .addTag(article: article, tag: doha) }
            let changes = [first, try #require(try second.build())]
            let headers = ServerFixture.headers(token: server.aliceToken)
            try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ServerFixture.body(changes)) {
                #expect($0.status == .ok)
            }

            try await client.execute(uri: "/v1/articles", method: .get, headers: headers) { response in
                let list = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]] ?? []
                #expect(list.compactMap { $0["id"] as? String } == [article.rawValue, other.rawValue])
                #expect(list.first?["tags"] as? [String] == ["talks/doha"])
                #expect(list.first?["notes"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/articles/003", method: .get, headers: headers) { response in
                let detail = ServerFixture.json(response)
                #expect(detail["tags"] as? [String] == ["talks/doha"])
                let notes = detail["notes"] as? [[String: Any]] ?? []
                #expect(notes.first?["id"] as? String == EntityID(creator: note.timestamp).rawValue)
            }
            try await client.execute(uri: "/v1/articles/00", method: .get, headers: headers) {
                #expect($0.status == .conflict)
            }
            try await client.execute(uri: "/v1/articles/999", method: .get, headers: headers) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/tags", method: .get, headers: headers) { response in
                let tags = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]] ?? []
                #expect(tags.count == 1)
                #expect(tags.first?["tag"] as? String == "talks/doha")
                #expect(tags.first?["articles"] as? Int == 2)
            }
            // The export is the same canonical document the merge model produces.
            var state = CorpusState()
            for changeset in changes { _ = state.apply(changeset) }
            try await client.execute(uri: "/v1/export", method: .get, headers: headers) { response in
                #expect(Array(response.body.readableBytesView) == Array(state.snapshot().canonicalJSON()))
            }
        }
    }
}
