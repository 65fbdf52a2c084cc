import Foundation
import GRDB
import SyncCore
import Testing

@testable import Replica

/// Coding status, blind mode, agreement, disagreements and adjudication on real SQLite
/// replicas that sync by file.
@Suite(.timeLimit(.minutes(10)))
struct AgreementReplicaTests {
    let folder = TemporaryFolder()
    let wall = ManualWallClock(milliseconds: 1_700_000_000_000)

    /// Replicas of `users` that trust each other as curators, with four articles b1 to b4.
    func team(_ users: [String]) throws -> [LocalReplica] {
        let files = (1...4).map { index in
            let path = folder.path("b\(index).txt")
            try! "Article \(index)\n\nThe talks in Doha resumed. A ceasefire was the precondition.".write(
                toFile: path, atomically: true, encoding: .utf8)
            return try! ArticleFile(path: path)
        }
        let replicas = try users.map { user in
            try LocalReplica.create(at: folder.path("\(user).sqlite"), user: try UserName(user), wallClock: wall)
        }
        for replica in replicas {
            try replica.trust(replicas)
            _ = try replica.importArticles(from: files)
        }
        return replicas
    }

    /// Sends everything `from` holds to `to`.
    func send(_ from: LocalReplica, to: LocalReplica) throws {
        wall.advance(by: 1)
        _ = try to.apply(try WireFormat.decode(Data(from.changes().document)), origin: .file)
    }

    func syncAll(_ replicas: [LocalReplica]) throws {
        for from in replicas { for to in replicas where to !== from { try send(from, to: to) } }
    }

    @Test func theLatestStatusOfEachUserWinsInAnyOrder() throws {
        // Given alice, who marks b1 done, then not done, then done again, and b2 done then not
        let r = try team(["alice", "bob"])
        var changesets: [Changeset] = []
        for (article, done) in [("b1", true), ("b1", false), ("b2", true), ("b1", true), ("b2", false)] {
            wall.advance(by: 1)
            _ = try r[0].mark([article], done: done)
            changesets = try WireFormat.decode(Data(r[0].changes().document))
        }
        // When bob receives her changesets in reverse order, twice
        _ = try r[1].apply(changesets.reversed() + changesets, origin: .file)
        // Then both see b1 done and b2 not done, and bob's list --todo is his own
        for replica in r {
            let statuses = try replica.snapshot().statuses.map { "\($0.article)=\($0.done)" }
            #expect(statuses == ["b1=true", "b2=false"])
        }
        #expect(try r[0].articles(todo: true).map(\.id) == ["b2", "b3", "b4"])
        #expect(try r[1].articles(todo: true).map(\.id) == ["b1", "b2", "b3", "b4"])
        // And marking again what is marked changes nothing
        let again = try r[0].mark(["b1"], done: true)
        #expect(again.changed.isEmpty && again.unchanged == ["b1"])
    }

    @Test func agreementMatchesTheHandComputedCase() throws {
        // Given alice who codes b1 and b2 with x, bob who codes b1 only, both done with all
        // four (docs/agreement.md works this case by hand)
        let r = try team(["alice", "bob", "carol"])
        _ = try r[0].tag("b1", with: ["x"])
        _ = try r[0].tag("b2", with: ["x"])
        _ = try r[1].tag("b1", with: ["x"])
        for replica in r.prefix(2) { _ = try replica.mark(["b1", "b2", "b3", "b4"], done: true) }
        // And carol, who coded b3 with x but marked nothing done: not a coder yet
        _ = try r[2].tag("b3", with: ["x"])
        try syncAll(r)
        // When agreement is computed on any replica
        let report = try r[2].agreement()
        // Then it is that of the hand case: alpha 1 − 14/30, kappa 0.5, agreement 0.75
        #expect(report.coders == ["alice", "bob"])
        #expect(report.units == 4)
        let x = try #require(report.codes.first { $0.code == "x" })
        #expect(abs(x.articles.alpha.value! - (1 - 14.0 / 30)) < 1e-9)
        #expect(x.articles.alpha.values == 8)
        #expect(abs(x.articles.pairs[0].kappa.value! - 0.5) < 1e-9)
        #expect(abs(x.articles.percent.value! - 0.75) < 1e-9)
        // And carol's coding of b3 counts once she marks b3 done (a third value on b3, where
        // the others gave 0), while her unmarked articles stay missing, not "no"
        _ = try r[2].mark(["b3"], done: true)
        try syncAll(r)
        let withCarol = try r[0].agreement(tags: ["x"])
        #expect(withCarol.coders == ["alice", "bob", "carol"])
        #expect(withCarol.codes[0].articles.alpha.values == 9)
        #expect(withCarol.codes[0].articles.fleiss.units == 1)
        // And naming a user who marked nothing, or a code nobody has, is one clear error
        expectError("no_coding_status", "dave has marked no article done") { _ = try r[0].agreement(users: ["alice", "dave"]) }
        expectError("unknown_tag", "nosuch") { _ = try r[0].agreement(tags: ["nosuch"]) }
    }

    @Test func agreementFollowsRenamesAndMerges() throws {
        // Given two coders who used truce and ceasefire, then a merge of truce into ceasefire
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("b1", with: ["truce"])
        _ = try r[1].tag("b1", with: ["ceasefire"])
        for replica in r { _ = try replica.mark(["b1", "b2"], done: true) }
        try syncAll(r)
        #expect(try r[0].agreement().codes.map(\.code) == ["ceasefire", "truce"])
        _ = try r[0].mergeTag("truce", into: "ceasefire")
        try syncAll(r)
        // Then agreement is on the merged code, where both coded b1
        let report = try r[1].agreement()
        #expect(report.codes.map(\.code) == ["ceasefire"])
        #expect(report.codes[0].articles.percent.value == 1)
    }

    @Test func spanAgreementComparesTheCodersSpans() throws {
        // Given alice and bob who code the same "talks" span, and bob also "Doha"
        let r = try team(["alice", "bob"])
        _ = try r[0].highlight("b1", quote: "talks", occurrence: 1, tags: ["actors"])
        _ = try r[1].highlight("b1", quote: "talks", occurrence: 1, tags: ["actors"])
        _ = try r[1].highlight("b1", quote: "Doha", occurrence: 1, tags: ["actors"])
        for replica in r { _ = try replica.mark(["b1"], done: true) }
        try syncAll(r)
        // When agreement is computed
        let spans = try #require(try r[0].agreement(tags: ["actors"]).codes.first?.spans.first)
        // Then exact F1 is 2·1/3 and no span overlaps another but its twin
        #expect(abs(spans.exact.value! - 2.0 / 3) < 1e-9)
        #expect(abs(spans.overlap.value! - 2.0 / 3) < 1e-9)
        // And the Doha span is a disagreement, with bob's highlight named
        let disagreements = try r[0].disagreements()
        #expect(disagreements.count == 1)
        #expect(disagreements[0].disagreement.applied == ["bob"] && disagreements[0].disagreement.notApplied == ["alice"])
        #expect(disagreements[0].disagreement.span != nil)
    }

    @Test func blindModeShowsOnlyMyOwnWork() throws {
        // Given alice and bob who both coded and annotated b1
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("b1", with: ["mine"])
        _ = try r[0].addNote("b1", body: "alice's note about talks")
        _ = try r[0].highlight("b1", quote: "Doha", occurrence: 1, tags: ["place"])
        _ = try r[1].tag("b1", with: ["theirs"])
        _ = try r[1].addNote("b1", body: "bob's note about talks")
        try syncAll(r)
        // When alice turns blind mode on
        try r[0].setBlind(true)
        // Then every view shows her work only
        #expect(try r[0].articles().first { $0.id == "b1" }?.tags == ["mine"])
        #expect(try r[0].articles().first { $0.id == "b1" }?.notes == 1)
        #expect(try r[0].article("b1").tags == ["mine"])
        #expect(try r[0].article("b1").notes.map(\.author) == ["alice"])
        #expect(try r[0].notes().map(\.author) == ["alice"])
        #expect(try r[0].tags().map(\.tag) == ["mine", "place"])
        #expect(try r[0].search("note").filter { $0.kind == "note" }.count == 1)
        #expect(try r[0].articles(tagged: "theirs").isEmpty)
        // And what would show the others' codings refuses
        expectError("blind_mode", "agreement") { _ = try r[0].agreement() }
        expectError("blind_mode", "blame") { _ = try r[0].blame("b1") }
        // And the data still syncs, and everything shows again with blind mode off
        _ = try r[1].tag("b2", with: ["later"])
        try send(r[1], to: r[0])
        #expect(try r[0].articles(tagged: "later").isEmpty)
        try r[0].setBlind(false)
        #expect(try r[0].articles(tagged: "later").map(\.id) == ["b2"])
        #expect(try r[0].article("b1").tags == ["mine", "theirs"])
        // And bob's views were never blind
        #expect(try !r[1].isBlind())
    }

    @Test func decisionsAreALayerOfTheirOwnAndMergeLikeNotes() throws {
        // Given coders who disagree on b1, and two curators
        let r = try team(["alice", "bob", "cura", "curb"])
        _ = try r[0].tag("b1", with: ["precondition"])
        for replica in r.prefix(2) { _ = try replica.mark(["b1"], done: true) }
        try syncAll(r)
        let codings = try r[0].snapshot().tags
        #expect(try r[2].disagreements().map(\.disagreement.code) == ["precondition"])
        // When the two curators decide concurrently, one accepting, one rejecting
        _ = try r[2].adjudicate("b1", accept: ["precondition"])
        wall.advance(by: 5)
        _ = try r[3].adjudicate("b1", reject: ["precondition"])
        try syncAll(r)
        // Then every replica shows the latest decision, with the other kept as a conflict
        for replica in r {
            let decisions = try replica.decisions()
            #expect(decisions.count == 1)
            #expect(decisions[0].decision == "reject" && decisions[0].decidedBy == "curb")
            #expect(decisions[0].conflicts.map(\.decision) == ["accept"])
            // And the coders' codings are untouched
            #expect(try replica.snapshot().tags == codings)
        }
        #expect(try r[0].disagreements()[0].decisions.map(\.decision) == ["reject"])
        // When cura decides again, having seen both, the conflict is resolved
        _ = try r[2].adjudicate("b1", accept: ["precondition"])
        try syncAll(r)
        #expect(try r[3].decisions().map(\.conflicts.count) == [0])
        #expect(try r[3].decisions().map(\.decision) == ["accept"])
        // And a clearing concurrent with a decision loses to it
        _ = try r[2].adjudicate("b1", clear: ["precondition"])
        _ = try r[3].adjudicate("b1", reject: ["precondition"])
        try syncAll(r)
        #expect(try r[0].decisions().map(\.decision) == ["reject"])
        // And the export holds the decisions, identical everywhere
        let exports = try r.map { try $0.snapshot().canonicalJSON() }
        #expect(Set(exports).count == 1)
    }

    @Test func onlyCuratorsDecide() throws {
        // Given bob, whom the server named an annotator, and alice, whose key carol trusts
        // as an annotator only
        let r = try team(["alice", "bob", "carol"])
        let bob = try r[1].identity()
        _ = try r[1].recordServerKeys([SyncProtocol.KeyBinding(key: bob.key, user: bob.user, role: "annotator")])
        // When bob adjudicates, Then it is refused before anything is written
        expectError("decision_forbidden", "bob is an annotator") {
            _ = try r[1].adjudicate("b1", accept: ["x"])
        }
        #expect(try r[1].decisions().isEmpty)
        // When alice's decision reaches carol by file, Then carol holds it
        let alice = try r[0].identity()
        _ = try r[2].trust(key: alice.key, user: alice.user, role: "annotator")
        _ = try r[0].adjudicate("b1", accept: ["x"])
        try send(r[0], to: r[2])
        #expect(try r[2].decisions().isEmpty)
        #expect(try r[2].heldChangesets().map(\.reason).contains { $0.contains("records adjudication decisions") })
        // And an empty or doubled decision is one clear error
        #expect(throws: ReplicaError.self) { try r[0].adjudicate("b1") }
        #expect(throws: ReplicaError.self) { try r[0].adjudicate("b1", accept: ["x"], reject: ["X"]) }
    }

    @Test func undoTakesBackStatusesAndDecisions() throws {
        // Given alice who marks b1 done, and decides on it twice
        let r = try team(["alice"])
        _ = try r[0].mark(["b1"], done: true)
        _ = try r[0].adjudicate("b1", accept: ["x"])
        _ = try r[0].adjudicate("b1", reject: ["x"])
        // When she undoes the last decision, Then the one before stands again
        _ = try r[0].undo()
        #expect(try r[0].decisions().map(\.decision) == ["accept"])
        // When she undoes that too, Then there is no decision
        _ = try r[0].undo()
        #expect(try r[0].decisions().isEmpty)
        // When she undoes the status, Then b1 is to do again
        _ = try r[0].undo()
        #expect(try r[0].articles(todo: true).map(\.id).contains("b1"))
        // And undoing a 'not done' restores the 'done' before it
        _ = try r[0].mark(["b2"], done: true)
        _ = try r[0].mark(["b2"], done: false)
        _ = try r[0].undo()
        #expect(try !r[0].articles(todo: true).map(\.id).contains("b2"))
    }

    /// Expects `body` to fail with the replica error of this code, its message containing `text`.
    func expectError(
        _ code: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        #expect(sourceLocation: sourceLocation) {
            try body()
        } throws: { error in
            guard let error = error as? ReplicaError else { return false }
            return error.code == code && error.description.contains(text)
        }
    }
}
