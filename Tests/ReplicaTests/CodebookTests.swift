import Foundation
import GRDB
import SyncCore
import Testing

@testable import Replica

/// The codebook on real SQLite replicas: codes with stable ids renamed, moved and merged
/// offline, memos, codes on spans, replies, blame and undo.
@Suite(.timeLimit(.minutes(10)))
struct CodebookTests {
    let folder = TemporaryFolder()
    let wall = ManualWallClock(milliseconds: 1_700_000_000_000)

    /// Replicas of `users` that trust each other, each with the two test articles.
    func team(_ users: [String]) throws -> [LocalReplica] {
        let replicas = try users.map { user in
            try LocalReplica.create(at: folder.path("\(user).sqlite"), user: try UserName(user), wallClock: wall)
        }
        for replica in replicas {
            try replica.trust(replicas)
            _ = try replica.importArticles(from: Corpus.files(in: folder))
        }
        return replicas
    }

    /// Sends everything `from` holds to `to`.
    func send(_ from: LocalReplica, to: LocalReplica) throws {
        wall.advance(by: 1)
        _ = try to.apply(try WireFormat.decode(Data(from.changes().document)), origin: .file)
    }

    func paths(_ replica: LocalReplica) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try replica.tags().map { ($0.tag, $0.articles + $0.spans) })
    }

    @Test func aTagAddedOfflineByTheOldNameLandsOnTheRenamedCode() throws {
        // Given two analysts who both know the code talks
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["talks"])
        try send(r[0], to: r[1])
        // When alice renames it while bob, offline, codes a2 by the old name
        #expect(try r[0].renameTag("talks", to: "negotiations").merged == false)
        _ = try r[1].tag("a2", with: ["Talks"])
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        // Then both see both articles under negotiations, and no talks code
        for replica in r {
            #expect(try replica.articles(tagged: "negotiations").map(\.id) == ["a1", "a2"])
            #expect(try replica.articles(tagged: "talks").isEmpty)
            #expect(try paths(replica) == ["negotiations": 2])
        }
        #expect(try r[0].snapshot().canonicalJSON() == r[1].snapshot().canonicalJSON())
        // And the log names the codes by their names now
        #expect(try r[0].log(article: "a2").first?.summary == "tagged a2 'negotiations'")
    }

    @Test func movingACodeMovesItsSubtreeAndCodesMadeUnderItConcurrently() throws {
        // Given talks/doha and talks/doha/venue, known to both
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["talks/doha", "talks/doha/venue"])
        try send(r[0], to: r[1])
        // When alice moves talks/doha under negotiations while bob adds talks/doha/dates
        _ = try r[0].renameTag("talks/doha", to: "negotiations/doha")
        _ = try r[1].tag("a2", with: ["talks/doha/dates"])
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        // Then the whole subtree, bob's new code included, is under negotiations/doha
        for replica in r {
            let tree = try paths(replica)
            #expect(tree["negotiations/doha/venue"] == 1)
            #expect(tree["negotiations/doha/dates"] == 1)
            #expect(tree["talks/doha"] == nil)
            #expect(try replica.articles(tagged: "negotiations").map(\.id) == ["a1", "a2"])
        }
        // And a code cannot move below itself
        #expect(throws: ReplicaError.self) { try r[0].renameTag("negotiations", to: "negotiations/doha/x") }
    }

    @Test func concurrentRenamesConvergeAndStayAConflictUntilRenamedAgain() throws {
        // Given a code both know
        let r = try team(["alice", "bob", "carol"])
        _ = try r[0].tag("a1", with: ["truce"])
        try send(r[0], to: r[1])
        try send(r[0], to: r[2])
        // When alice and bob rename it concurrently, and everyone exchanges in different orders
        _ = try r[0].renameTag("truce", to: "ceasefire")
        wall.advance(by: 5)
        _ = try r[1].renameTag("truce", to: "armistice")
        try send(r[1], to: r[2])
        try send(r[0], to: r[2])
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        // Then all show one name, the later rename's, and list the other as a conflict
        let names = try r.map { try $0.tags().map(\.tag) }
        #expect(names[0] == ["armistice"])
        #expect(Set(names.map { $0 }).count == 1)
        for replica in r {
            let conflicts = try replica.conflicts().codes
            #expect(conflicts.count == 1)
            #expect(conflicts.first?.current.name == "armistice")
            #expect(conflicts.first?.others.map(\.name) == ["ceasefire"])
        }
        // When carol renames it again, having seen both
        _ = try r[2].renameTag("armistice", to: "ceasefire")
        try send(r[2], to: r[0])
        // Then the conflict is gone
        #expect(try r[0].conflicts().codes.isEmpty)
        #expect(try r[0].tags().map(\.tag) == ["ceasefire"])
    }

    @Test func renamingOntoAnExistingNameMergesAndTheMergeFollowsLaterRenames() throws {
        // Given two codes
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["truce"])
        _ = try r[0].tag("a2", with: ["ceasefire"])
        // When truce is renamed onto ceasefire
        let result = try r[0].renameTag("truce", to: "ceasefire")
        // Then it is a merge, and both articles count for ceasefire
        #expect(result.merged)
        #expect(try r[0].articles(tagged: "ceasefire").map(\.id) == ["a1", "a2"])
        // When ceasefire is renamed later
        _ = try r[0].renameTag("ceasefire", to: "halt")
        // Then truce's codings went with it
        #expect(try paths(r[0]) == ["halt": 2])
        #expect(try r[0].codebook().first?.ids == ["ceasefire", "truce"])
    }

    @Test func aMergeBeatsAConcurrentRename() throws {
        // Given truce and ceasefire, known to both
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["truce"])
        _ = try r[0].tag("a2", with: ["ceasefire"])
        try send(r[0], to: r[1])
        // When alice merges truce into ceasefire and bob, later but concurrently, renames truce
        _ = try r[0].mergeTag("truce", into: "ceasefire")
        wall.advance(by: 10)
        _ = try r[1].renameTag("truce", to: "pause")
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        // Then the merge holds on both, and the rename is listed as a conflict
        for replica in r {
            #expect(try paths(replica) == ["ceasefire": 2])
            #expect(try replica.conflicts().codes.first?.others.first?.name == "pause")
        }
    }

    @Test func concurrentMovesUnderEachOtherEndInOneTreeEverywhere() throws {
        // Given codes a and b
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["a", "b"])
        try send(r[0], to: r[1])
        // When alice moves a under b and bob moves b under a
        _ = try r[0].renameTag("a", to: "b/a")
        wall.advance(by: 5)
        _ = try r[1].renameTag("b", to: "a/b")
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        // Then both place them alike, without a cycle: the later move is cut
        let tree = try r[0].tags().map(\.tag)
        #expect(tree == (try r[1].tags().map(\.tag)))
        #expect(tree == ["b", "b/a"])
        #expect(try r[0].snapshot().canonicalJSON() == r[1].snapshot().canonicalJSON())
    }

    @Test func memosMergeLikeNotes() throws {
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["ceasefire"])
        _ = try r[0].describeTag("ceasefire", memo: "Any halt to fighting.")
        try send(r[0], to: r[1])
        // When both edit the memo concurrently
        _ = try r[0].describeTag("ceasefire", memo: "A formal halt.")
        wall.advance(by: 5)
        _ = try r[1].describeTag("ceasefire", memo: "Any halt, formal or not.")
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        // Then one memo shows everywhere, and the other is a conflict
        for replica in r {
            let entry = try #require(try replica.codebook().first)
            #expect(entry.memo == "Any halt, formal or not.")
            #expect(entry.conflicted)
            #expect(try replica.conflicts().memos.first?.others.first?.body == "A formal halt.")
        }
        #expect(throws: ReplicaError.self) { try r[0].describeTag("nosuchcode", memo: "x") }
    }

    @Test func codesOnSpansAreCountedAndGoWithTheirHighlight() throws {
        let r = try team(["alice"])[0]
        // Given a highlight coded ceasefire and precondition
        let made = try r.highlight("a2", quote: "ceasefire", tags: ["ceasefire", "precondition"])
        // Then it is listed with its codes, and counted as a span
        #expect(try r.article("a2").highlights.first?.tags == ["ceasefire", "precondition"])
        #expect(try r.tags().first { $0.tag == "ceasefire" }.map { ($0.articles, $0.spans) } ?? (9, 9) == (0, 1))
        #expect(try r.articles(tagged: "ceasefire").map(\.id) == ["a2"])
        #expect(try r.articles(tagged: "ceasefire").first?.spans == 1)
        #expect(try r.article("a2").tags.isEmpty)
        // When one code is removed from the span, and the article is coded as a whole
        _ = try r.untag("a2", tags: ["precondition"], highlight: made.highlight)
        _ = try r.tag("a2", with: ["precondition"])
        // Then the span keeps the other, and the article has its own
        #expect(try r.article("a2").highlights.first?.tags == ["ceasefire"])
        #expect(try r.article("a2").tags == ["precondition"])
        // When the highlight is deleted, its codings go with it
        _ = try r.deleteHighlight(made.highlight)
        #expect(try r.articles(tagged: "ceasefire").isEmpty)
        #expect(try r.snapshot().tags.count == 1)
        // And a highlight of another article is refused
        let other = try r.highlight("a1", quote: "Doha")
        #expect(throws: ReplicaError.self) { try r.tag("a2", with: ["x"], highlight: other.highlight) }
    }

    @Test func repliesThreadAndStayWhenTheirNoteIsDeleted() throws {
        let r = try team(["alice", "bob"])
        let note = try r[0].addNote("a1", body: "Is this the first round?")
        try send(r[0], to: r[1])
        let reply = try r[1].reply(to: note, body: "No, the second round in Doha.")
        try send(r[1], to: r[0])
        #expect(try r[0].notes().first { $0.id == reply }?.replyTo == note)
        _ = try r[0].deleteNote(note)
        #expect(try r[0].notes().map(\.id) == [reply])
        #expect(try r[0].search("second round").contains { $0.note == reply })
        #expect(throws: ReplicaError.self) { try r[0].reply(to: note, body: "too late") }
    }

    @Test func blameNamesWhoMadeEachThingByTheCurrentNames() throws {
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["talks"])
        try send(r[0], to: r[1])
        _ = try r[1].highlight("a1", quote: "Doha", note: "where", tags: ["venue"])
        _ = try r[1].renameTag("talks", to: "negotiations")
        try send(r[1], to: r[0])
        let blame = try r[0].blame("a1")
        #expect(blame.map(\.kind) == ["tag", "highlight", "note", "span-tag"])
        #expect(blame.map(\.author) == ["alice", "bob", "bob", "bob"])
        #expect(blame[0].what == "negotiations")
        #expect(blame[3].what == "venue")
    }

    @Test func undoTakesBackTheLastChangesetsOneAfterAnother() throws {
        let r = try team(["alice", "bob"])
        _ = try r[0].tag("a1", with: ["x"])
        let note = try r[0].addNote("a1", body: "first")
        _ = try r[0].editNote(note, body: "second")
        _ = try r[0].renameTag("x", to: "y")
        try send(r[0], to: r[1])
        // When alice undoes four times
        _ = try r[0].undo()
        #expect(try r[0].tags().map(\.tag) == ["x"])
        _ = try r[0].undo()
        #expect(try r[0].notes().first?.body == "first")
        _ = try r[0].undo()
        #expect(try r[0].notes().isEmpty)
        _ = try r[0].undo()
        // (x stays in the codebook, unused: undoing the rename named it explicitly)
        #expect(try r[0].tags() == [TagCount(tag: "x", articles: 0, spans: 0)])
        // Then the next undo is refused: what is left is the import
        #expect {
            try r[0].undo()
        } throws: { error in
            guard case ReplicaError.cannotUndo(_, let reason) = error else { return false }
            return reason.contains("imports")
        }
        // And bob, who had everything before, sees the same after the undos travel
        try send(r[0], to: r[1])
        try send(r[1], to: r[0])
        let mine = String(decoding: try r[0].snapshot().canonicalJSON(), as: UTF8.self)
        let theirs = String(decoding: try r[1].snapshot().canonicalJSON(), as: UTF8.self)
        #expect(theirs == mine)
        // And bob cannot undo alice's changesets
        let alices = try r[1].log(limit: 1)[0].changeset
        #expect(throws: ReplicaError.self) { try r[1].undo(alices) }
    }

    @Test func undoingAMergeRestoresBothCodes() throws {
        let r = try team(["alice"])[0]
        _ = try r.tag("a1", with: ["truce"])
        _ = try r.tag("a2", with: ["ceasefire"])
        _ = try r.mergeTag("truce", into: "ceasefire")
        #expect(try paths(r) == ["ceasefire": 2])
        let result = try r.undo()
        #expect(result.operations.count == 1)
        #expect(try paths(r) == ["ceasefire": 1, "truce": 1])
    }

    @Test func aReplicaMadeBeforeTheCodebookGetsItsCodesFromTheMigration() throws {
        // Given a replica whose codes table is emptied, as before migration 0006
        let r = try team(["alice"])[0]
        _ = try r.tag("a1", with: ["talks/doha", "x"])
        let before = try r.snapshot().canonicalJSON()
        let sql = try #require(ReplicaMigrator.migrations.first { $0.id.hasPrefix("0006") }?.sql)
        let backfill = try #require(sql.range(of: "INSERT INTO codes").map { String(sql[$0.lowerBound...]) })
        let statement = String(backfill[..<backfill.range(of: "GROUP BY prefix;")!.upperBound])
        try r.database.write { db in
            try db.execute(sql: "DELETE FROM codes")
            try db.execute(sql: statement)
        }
        // Then the migration's backfill gives the same codebook
        #expect(try r.snapshot().canonicalJSON() == before)
        #expect(try r.tags().map(\.tag) == ["talks", "talks/doha", "x"])
    }
}
