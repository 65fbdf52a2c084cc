import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// The read endpoints' filters and pages (docs/protocol.md §7), through the router, on each
/// real store.
@Suite(.timeLimit(.minutes(10)))
struct ReadRoutesTests {
    /// 12 articles, `a00` to `a11`; even ones coded `talks/doha`, those divisible by 3 coded
    /// `ceasefire` on a span; texts saying "peace" in the odd ones; a note by alice on each
    /// of the first four, and one by bob on `a05`.
    static func corpus() throws -> [Changeset] {
        let alice = try UserName("alice")
        let signer = ServerFixture.signer("reads")
        var clock = HybridLogicalClock(replica: signer.replica)
        var builder = ChangesetBuilder(clock: clock, author: alice, signer: signer, now: ServerFixture.now - 10_000)
        let doha = try TagName("talks/doha")
        let ceasefire = try TagName("ceasefire")
        let a05 = try ArticleID("a05")
        for index in 0..<12 {
            let article = try ArticleID(String(format: "a%02d", index))
            try builder.add { _ in .importArticle(article: article, title: "Day \(index)", text: index % 2 == 1 ? "Talk of peace \(index)." : "Fighting \(index).") }
            if index % 2 == 0 { try builder.add { _ in .addTag(article: article, tag: doha) } }
            if index % 3 == 0 {
                let highlight = try builder.add { .createHighlight(highlight: EntityID(creator: $0), article: article, selector: TextSelector(text: "Day", start: 0, end: 3)) }
                try builder.add { _ in .addTag(article: article, tag: ceasefire, highlight: EntityID(creator: highlight.timestamp)) }
            }
            if index < 4 { try builder.add { .createNote(note: EntityID(creator: $0), article: article, body: "Note \(index) on the truce", highlight: nil) } }
        }
        let first = try #require(try builder.build())
        clock = builder.clock
        let bob = try UserName("bob")
        let bobSigner = ServerFixture.signer("reads-bob")
        var second = ChangesetBuilder(clock: HybridLogicalClock(replica: bobSigner.replica), author: bob, signer: bobSigner, now: ServerFixture.now - 5_000)
        try second.add { .createNote(note: EntityID(creator: $0), article: a05, body: "Bob was here", highlight: nil) }
        return [first, try #require(try second.build())]
    }

    static func list(_ response: TestResponse) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [[String: Any]] ?? []
    }

    static func next(_ response: TestResponse) -> String? {
        guard let link = response.headers[HTTPField.Name("Link")!], let start = link.firstIndex(of: "<"), let end = link.firstIndex(of: ">") else {
            return nil
        }
        return String(link[link.index(after: start)..<end])
    }

    @Test(arguments: StoreKind.available)
    func pagesFollowTheirLinksAndFiltersCombine(_ kind: StoreKind) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            let changes = try Self.corpus()
            for (changeset, token) in zip(changes, [server.aliceToken, server.bobToken]) {
                try await client.execute(uri: "/v1/push", method: .post, headers: ServerFixture.headers(token: token), body: ServerFixture.body([changeset])) {
                    #expect($0.status == .ok)
                }
            }
            let headers = ServerFixture.headers(token: server.readerToken)
            func walk(_ first: String) async throws -> [[String: Any]] {
                var items: [[String: Any]] = []
                var uri: String? = first
                var pages = 0
                while let next = uri, pages < 20 {
                    let response = try await client.execute(uri: next, method: .get, headers: headers)
                    #expect(response.status == .ok, "\(next)")
                    items += Self.list(response)
                    uri = Self.next(response)
                    pages += 1
                }
                return items
            }
            // Given pages of 5, when the client follows `Link`, then it gets every article once, in order.
            let all = try await walk("/v1/articles?limit=5")
            #expect(all.compactMap { $0["id"] as? String } == (0..<12).map { String(format: "a%02d", $0) })
            #expect(all.first?["tags"] as? [String] == ["talks/doha"])
            #expect(all.first?["notes"] as? Int == 1)
            #expect(all.first?["highlights"] as? Int == 1)
            // A parent code finds its children; a span coding counts; filters combine.
            #expect(try await walk("/v1/articles?tag=talks&limit=2").compactMap { $0["id"] as? String } == ["a00", "a02", "a04", "a06", "a08", "a10"])
            #expect(try await walk("/v1/articles?tag=Ceasefire&limit=3").compactMap { $0["id"] as? String } == ["a00", "a03", "a06", "a09"])
            #expect(try await walk("/v1/articles?q=peace&limit=4").compactMap { $0["id"] as? String } == ["a01", "a03", "a05", "a07", "a09", "a11"])
            #expect(try await walk("/v1/articles?q=peace&tag=ceasefire").compactMap { $0["id"] as? String } == ["a03", "a09"])
            #expect(try await walk("/v1/articles?tag=nothing").isEmpty)
            // Codes with their article counts, a page at a time.
            let codes = try await walk("/v1/tags?limit=1")
            #expect(codes.compactMap { $0["tag"] as? String } == ["ceasefire", "talks/doha"])
            #expect(codes.compactMap { $0["articles"] as? Int } == [4, 6])
            // Notes by author, by text, and since a time.
            #expect(try await walk("/v1/notes?author=alice&limit=3").compactMap { $0["article"] as? String } == ["a00", "a01", "a02", "a03"])
            #expect(try await walk("/v1/notes?author=bob").compactMap { $0["body"] as? String } == ["Bob was here"])
            #expect(try await walk("/v1/notes?q=truce&article=a02").count == 1)
            let since = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ServerFixture.now - 6_000) / 1000))
            #expect(try await walk("/v1/notes?since=\(since)").compactMap { $0["author"] as? String } == ["bob"])
            #expect(try await walk("/v1/notes?since=\(ServerFixture.now - 6_000)").compactMap { $0["author"] as? String } == ["bob"])
        }
    }

    @Test(arguments: StoreKind.available, [
        "/v1/articles?limit=0", "/v1/articles?limit=1001", "/v1/articles?limit=x", "/v1/articles?tag=%01",
        "/v1/articles?tag=a//b", "/v1/tags?limit=-1", "/v1/notes?since=yesterday", "/v1/notes?after=12",
        "/v1/notes?q=" + String(repeating: "w", count: 1001),
    ])
    func badReadParametersAre400(_ kind: StoreKind, uri: String) async throws {
        let server = try await ServerFixture(kind)
        try await server.test { client in
            try await client.execute(uri: uri, method: .get, headers: ServerFixture.headers(token: server.readerToken)) { response in
                #expect(response.status == .badRequest, "\(uri)")
                #expect(ServerFixture.errorCode(response) == "bad_request")
            }
        }
    }
}
