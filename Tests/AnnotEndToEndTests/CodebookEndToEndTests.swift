import Foundation
import TestSupport
import Testing

extension EndToEnd {
/// Real `annot` and `syncd` processes: three analysts rename, move, merge and code offline,
/// in conflict, sync in different orders, and converge; `annot conflicts` shows the rename
/// conflict until someone renames again.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct CodebookEndToEndTests {
    let folder = TemporaryFolder()

    @Test(arguments: [["carol", "bob", "alice"], ["bob", "alice", "bob", "carol"]])
    func threeAnalystsReorganizeTheCodebookOfflineAndConverge(order: [String]) throws {
        let server = SyncdProcess(data: folder.path("server"))
        try server.start()
        defer { server.stop() }
        let alice = try server.analyst("alice", in: folder)
        let bob = try server.analyst("bob", in: folder, imports: false)
        let carol = try server.analyst("carol", in: folder, imports: false)
        let analysts = ["alice": alice, "bob": bob, "carol": carol]

        // Given a codebook everyone has: talks/doha on 003, truce on 001, ceasefire on 002
        expectSuccess(try alice.run(["tag", "003", "talks/doha"]))
        expectSuccess(try alice.run(["tag", "001", "truce"]))
        expectSuccess(try alice.run(["tag", "002", "ceasefire"]))
        expectSuccess(try alice.run(["tag", "describe", "ceasefire", "Any halt to fighting."]))
        for cli in [alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }

        // When, offline: alice moves talks/doha under negotiations and renames truce to pause;
        // bob renames truce to armistice (a rename conflict) and codes 004 talks/doha by the
        // old name; carol merges ceasefire into truce and codes a span of 000
        expectSuccess(try alice.run(["tag", "mv", "talks/doha", "negotiations/doha"]))
        expectSuccess(try alice.run(["tag", "mv", "truce", "pause"]))
        expectSuccess(try bob.run(["tag", "mv", "truce", "armistice"]))
        expectSuccess(try bob.run(["tag", "004", "talks/doha"]))
        let merged = expectSuccess(try carol.run(["tag", "mv", "ceasefire", "truce"]))
        #expect(merged.stdout.contains("merged"))
        let quote = try Self.someWord(of: carol)
        expectSuccess(try carol.run(["highlight", "000", "--quote", quote, "--occurrence", "1", "--tag", "talks/doha"]))

        // And they sync in this order, then everyone once more
        for name in order { expectSuccess(try analysts[name]!.run(["sync"])) }
        for cli in [alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }

        // Then every replica and the server hold the same state, byte for byte
        let exports = try [alice, bob, carol].map { try expectSuccess($0.run(["export"])).stdout }
        #expect(exports[0] == exports[1])
        #expect(exports[1] == exports[2])
        let (status, body) = try server.get("/v1/export", token: try server.addUser("reader", role: "reader"))
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == exports[0])

        // And bob's coding by the old name, and carol's span, are under negotiations/doha
        let listed = try expectSuccess(bob.run(["list", "--tag", "negotiations/doha", "--json"])).stdout
        for article in ["000", "003", "004"] { #expect(listed.contains("\"\(article)_"), "\(article) missing: \(listed)") }
        // And truce (with ceasefire merged in) has one name everywhere, the other rename a conflict
        let tags = try [alice, bob, carol].map { try expectSuccess($0.run(["tags", "--json"])).stdout }
        #expect(tags[0] == tags[1] && tags[1] == tags[2])
        let conflicts = try expectSuccess(carol.run(["conflicts"])).stdout
        #expect(conflicts.contains("renamed concurrently"), "\(conflicts)")
        let codebook = try expectSuccess(alice.run(["codebook"])).stdout
        #expect(codebook.contains("Any halt to fighting."), "the merged code's memo is kept: \(codebook)")

        // When carol renames the code again, having seen both names
        let name = try #require(try Self.truceName(in: carol))
        expectSuccess(try carol.run(["tag", "mv", name, "pause"]))
        expectSuccess(try carol.run(["sync"]))
        expectSuccess(try alice.run(["sync"]))
        // Then the conflict is gone for alice, and the log shows the code's names over time
        #expect(!(try expectSuccess(alice.run(["conflicts"])).stdout.contains("renamed concurrently")))
        let history = try expectSuccess(alice.run(["log", "--tag", "pause"])).stdout
        #expect(history.contains("armistice") && history.contains("pause"), "\(history)")

        // And undo takes back carol's last rename, after the sync, for everyone
        expectSuccess(try carol.run(["undo"]))
        for cli in [carol, alice] { expectSuccess(try cli.run(["sync"])) }
        #expect(try Self.truceName(in: alice) == name)
        // And an import cannot be undone: one line, non-zero
        let refused = try alice.run(["undo", try Self.firstChangeset(of: alice)])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("imports"), "\(refused.stderr)")
    }

    /// A word of article 000 to highlight.
    static func someWord(of cli: AnnotCLI) throws -> String {
        let text = try #require(try cli.run(["show", "000", "--json"]).json?["text"] as? String)
        let words = text.split(whereSeparator: { !$0.isLetter }).map(String.init)
        return try #require(words.first { $0.count >= 6 })
    }

    /// The name truce goes by now (pause or armistice).
    static func truceName(in cli: AnnotCLI) throws -> String? {
        let tags = try cli.run(["tags", "--json"]).stdout
        return ["armistice", "pause"].first { tags.contains("\"\($0)\"") }
    }

    /// The id of the user's oldest changeset (their import).
    static func firstChangeset(of cli: AnnotCLI) throws -> String {
        let log = try #require(try cli.run(["log", "--json", "--limit", "1000"]).jsonArray)
        return try #require(log.last?["changeset"] as? String)
    }
}
}
