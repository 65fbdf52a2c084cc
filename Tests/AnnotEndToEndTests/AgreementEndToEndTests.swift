import Foundation
import SyncCore
import TestSupport
import Testing

extension EndToEnd {
/// Real `annot` and `syncd` processes: three coders code the corpus and mark what they
/// finished, a curator measures agreement, lists the disagreements and adjudicates, all
/// offline and synced through the server in different orders; a coder works blind.
@Suite(.timeLimit(.minutes(10)), .serialized)
struct AgreementEndToEndTests {
    let folder = TemporaryFolder()

    @Test(arguments: [["carol", "bob", "alice", "cura"], ["cura", "alice", "carol", "bob"]])
    func codersAgreeDisagreeAndACuratorAdjudicates(order: [String]) throws {
        let server = SyncdProcess(data: folder.path("server"))
        try server.start()
        defer { server.stop() }
        let cura = try server.analyst("cura", in: folder)
        expectSuccess(try cura.run(["sync"]))
        let alice = try server.analyst("alice", in: folder, role: "annotator", imports: false)
        let bob = try server.analyst("bob", in: folder, role: "annotator", imports: false)
        let carol = try server.analyst("carol", in: folder, role: "annotator", imports: false)
        let everyone = ["cura": cura, "alice": alice, "bob": bob, "carol": carol]
        for cli in [alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }

        // Given, offline: alice codes 001 and 002 precondition, bob 001, carol 003 (and a
        // span of 003); alice and bob mark 001 to 004 done, carol only 003
        expectSuccess(try alice.run(["tag", "001", "precondition"]))
        expectSuccess(try alice.run(["tag", "002", "precondition"]))
        expectSuccess(try bob.run(["tag", "001", "precondition"]))
        expectSuccess(try carol.run(["tag", "003", "precondition"]))
        expectSuccess(try carol.run(["highlight", "003", "--quote", "Taliban", "--occurrence", "1", "--tag", "actors"]))
        for cli in [alice, bob] { expectSuccess(try cli.run(["done", "001", "002", "003", "004"])) }
        expectSuccess(try carol.run(["done", "003"]))
        #expect(try expectSuccess(carol.run(["list", "--todo", "--json"])).jsonArray?.count == 4)

        // And carol codes blind: she sees her own codes only, and agree refuses
        expectSuccess(try carol.run(["blind", "on"]))
        for name in order { expectSuccess(try everyone[name]!.run(["sync"])) }
        for cli in [cura, alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }
        let carolsView = try expectSuccess(carol.run(["list", "--json"])).jsonArray ?? []
        #expect(carolsView.flatMap { $0["tags"] as? [String] ?? [] } == ["precondition"])
        let blind = try carol.run(["agree"])
        #expect(blind.status == 1 && blind.stderr.contains("blind mode is on"), "\(blind.stderr)")

        // When the curator measures agreement on precondition
        let report = try expectSuccess(cura.run(["agree", "--tag", "precondition", "--json"]))
        // Then it is Krippendorff's alpha of the reliability data the coders made, with
        // carol's unmarked articles missing, not "no" (units 001 to 004; coders alice, bob, carol)
        let expected = ReliabilityData(
            coders: ["alice", "bob", "carol"], units: [[1, 1, nil], [1, 0, nil], [0, 0, 1], [0, 0, nil]]
        ).krippendorffAlpha()
        let code = try #require((report.json?["codes"] as? [[String: Any]])?.first)
        let alpha = try #require((code["articles"] as? [String: Any])?["alpha"] as? [String: Any])
        #expect(abs((alpha["value"] as? Double ?? 0) - expected.value!) < 1e-9, "\(report.stdout)")
        #expect(alpha["values"] as? Int == 9)
        #expect(report.json?["coders"] as? [String] == ["alice", "bob", "carol"])
        // And every replica that is not blind computes the same report
        for cli in [alice, bob] {
            #expect(try expectSuccess(cli.run(["agree", "--tag", "precondition", "--json"])).stdout == report.stdout)
        }
        let text = try expectSuccess(cura.run(["agree"])).stdout
        #expect(text.contains("alpha") && text.contains("kappa      alice/bob"), "\(text)")

        // And the disagreements are 002 (alice, not bob) and 003 (carol, not alice and bob)
        let disagreements = try expectSuccess(cura.run(["disagreements", "--json"])).jsonArray ?? []
        let lines = disagreements.compactMap { $0["disagreement"] as? [String: Any] }.filter { $0["span"] == nil }
            .map { "\(($0["article"] as? String ?? "").prefix(3)):\($0["applied"] as? [String] ?? [])" }
        #expect(lines == ["002:[\"alice\"]", "003:[\"carol\"]"], "\(disagreements)")

        // When the curator adjudicates 002 and 003, and bob, an annotator, tries to
        expectSuccess(try cura.run(["adjudicate", "002", "--accept", "precondition"]))
        expectSuccess(try cura.run(["adjudicate", "003", "--reject", "precondition"]))
        let refused = try bob.run(["adjudicate", "002", "--reject", "precondition"])
        #expect(refused.status == 1 && refused.stderr.contains("only curators and admins adjudicate"), "\(refused.stderr)")
        // And a hostile annotator pushes a decision by hand
        let mallory = Forger(name: "mallory", token: try server.addUser("mallory", role: "annotator"))
        let forged = try mallory.document(
            [Timestamp(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), counter: 0, replica: mallory.signer.replica)],
            action: .decideTag(
                article: try ArticleID("002_e62f7cc97fa339b7"), tag: try TagName("precondition"), decision: .reject, base: []))
        let (status, body) = try server.post("/v1/push", body: forged, token: mallory.token)
        #expect(status == 403)
        #expect(HostilePeerTests.code(body) == "decision_forbidden")
        for name in order { expectSuccess(try everyone[name]!.run(["sync"])) }
        for cli in [cura, alice, bob, carol] { expectSuccess(try cli.run(["sync"])) }
        expectSuccess(try carol.run(["blind", "off"]))

        // Then every replica holds the same decisions and the same state, byte for byte,
        // and the coders' codings are what they made
        let layers = try [cura, alice, bob, carol].map { try expectSuccess($0.run(["export", "--layer", "adjudicated"])).stdout }
        #expect(Set(layers).count == 1)
        let decisions = (try JSONSerialization.jsonObject(with: Data(layers[0].utf8)) as? [String: Any])?["decisions"] as? [[String: Any]]
        #expect(decisions?.map { "\(($0["article"] as? String ?? "").prefix(3)) \($0["decision"] ?? "")" } == ["002 accept", "003 reject"])
        let exports = try [cura, alice, bob, carol].map { try expectSuccess($0.run(["export"])).stdout }
        #expect(Set(exports).count == 1)
        #expect(exports[0].contains("\"statuses\""))
        let (_, serverExport) = try server.get("/v1/export", token: try server.addUser("reader", role: "reader"))
        #expect(String(decoding: serverExport, as: UTF8.self) == exports[0])
        let listed = try expectSuccess(alice.run(["list", "--tag", "precondition", "--json"])).jsonArray ?? []
        #expect(listed.map { ($0["id"] as? String ?? "").prefix(3) } == ["001", "002", "003"])
        // And disagreements show the decisions
        let adjudicated = try expectSuccess(alice.run(["disagreements"])).stdout
        #expect(adjudicated.contains("decision: accept by cura") && adjudicated.contains("decision: reject by cura"), "\(adjudicated)")
    }
}
}
