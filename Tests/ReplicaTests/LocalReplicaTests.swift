import Foundation
import GRDB
import SyncCore
import Testing

@testable import Replica

@Suite(.timeLimit(.minutes(10)))
struct LocalReplicaTests {
    let folder = TemporaryFolder()

    func makeReplica(_ name: String = "r", user: String = "alice", wall: any WallClock = SystemWallClock()) throws -> LocalReplica {
        let replica = try LocalReplica.create(at: folder.path("\(name).sqlite"), user: try UserName(user), wallClock: wall)
        _ = try replica.importArticles(from: Corpus.files(in: folder))
        return replica
    }

    @Test func theSchemaComesFromTheEmbeddedMigrationsAndIsRecorded() throws {
        let replica = try makeReplica()
        let applied = try replica.database.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(!ReplicaMigrator.migrations.isEmpty)
        #expect(applied == ReplicaMigrator.migrations.map(\.id))
    }

    @Test func creatingTwiceIsRefused() throws {
        let replica = try makeReplica()
        #expect(throws: ReplicaError.self) { try LocalReplica.create(at: replica.path, user: try UserName("bob")) }
    }

    @Test func openingAMissingOrForeignFileFailsClearly() throws {
        #expect(throws: ReplicaError.self) { try LocalReplica.open(at: folder.path("missing.sqlite")) }
        let junk = folder.path("junk.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: junk))
        do {
            _ = try LocalReplica.open(at: junk)
            Issue.record("opened a file that is not a database")
        } catch {
            #expect(error.code == "not_a_replica")
        }
    }

    @Test func articlePrefixesResolveLikeGitHashes() throws {
        let replica = try makeReplica()
        #expect(try replica.resolveArticle("a1") == "a1")
        do {
            _ = try replica.resolveArticle("a")
            Issue.record("an ambiguous prefix resolved")
        } catch {
            guard case .ambiguousArticle(_, let candidates) = error else { throw error }
            #expect(candidates == ["a1", "a2"])
        }
        #expect(throws: ReplicaError.self) { try replica.resolveArticle("zz") }
    }

    @Test func importingTheSameFilesAgainChangesNothing() throws {
        let replica = try makeReplica()
        let before = try replica.changes().operations
        let report = try replica.importArticles(from: Corpus.files(in: folder))
        #expect(report.imported.isEmpty)
        #expect(report.unchanged == ["a1", "a2"])
        #expect(try replica.changes().operations == before)
    }

    @Test func aDifferentTextUnderAnExistingIDIsRefusedAndNothingIsImported() throws {
        let replica = try makeReplica()
        let changed = folder.path("a1.md")
        try "A different text".write(toFile: changed, atomically: true, encoding: .utf8)
        let fresh = folder.path("b9.txt")
        try "A brand new article with words".write(toFile: fresh, atomically: true, encoding: .utf8)
        #expect(throws: ReplicaError.self) {
            try replica.importArticles(from: [try ArticleFile(path: fresh), try ArticleFile(path: changed)])
        }
        #expect(try replica.articles().map(\.id) == ["a1", "a2"])  // b9 was not imported either
    }

    @Test func badTagsAreRejectedAndWriteNothing() throws {
        let replica = try makeReplica()
        let before = try replica.changes().operations
        for bad in ["", "a//b", "bell\u{7}", String(repeating: "t", count: 65)] {
            #expect(throws: ReplicaError.self) { try replica.tag("a1", with: ["good", bad]) }
        }
        #expect(try replica.changes().operations == before)
        #expect(try replica.tags().isEmpty)
    }

    @Test func taggingIsNormalizedAndHierarchical() throws {
        let replica = try makeReplica()
        _ = try replica.tag("a1", with: ["Talks/Doha", "precondition"])
        let result = try replica.tag("a1", with: ["talks / doha"])
        #expect(result.unchanged == ["talks/doha"])
        #expect(try replica.articles(tagged: "talks").map(\.id) == ["a1"])
        #expect(try replica.articles(tagged: "talk").isEmpty)
        #expect(
            try replica.tags() == [
                TagCount(tag: "precondition", articles: 1, spans: 0), TagCount(tag: "talks", articles: 0, spans: 0),
                TagCount(tag: "talks/doha", articles: 1, spans: 0),
            ])
    }

    @Test func untaggingNamesTheArticleAndTheNormalizedTags() throws {
        // Given an article tagged talks/doha
        let replica = try makeReplica()
        _ = try replica.tag("a1", with: ["talks/doha", "precondition"])
        // When the tag is removed, spelled differently
        let result = try replica.untag("a1", tags: ["Talks / Doha"])
        // Then the result names the article and the tag as stored, and the tag is gone
        #expect(result.article == "a1")
        #expect(result.removed == ["talks/doha"])
        #expect(try replica.tags() == [TagCount(tag: "precondition", articles: 1, spans: 0)])
    }

    @Test func untaggingATagThatIsNotThereIsAnError() throws {
        let replica = try makeReplica()
        #expect(throws: ReplicaError.self) { try replica.untag("a1", tags: ["nope"]) }
    }

    @Test func notesCanBeEditedAndDeletedByPrefix() throws {
        let replica = try makeReplica()
        let id = try replica.addNote("a1", body: "first")
        _ = try replica.editNote(String(id.prefix(6)), body: "second")
        #expect(try replica.notes(article: "a1").map(\.body) == ["second"])
        _ = try replica.deleteNote(id)
        #expect(try replica.notes().isEmpty)
        #expect(throws: ReplicaError.self) { try replica.editNote(id, body: "too late") }
    }

    @Test func aHighlightWithANoteIsOneChangeset() throws {
        let replica = try makeReplica()
        let before = try replica.changes()
        let result = try replica.highlight("a2", quote: "ceasefire", note: "the key word")
        let after = try WireFormat.decode(Data(replica.changes(since: before.cursor).document))
        #expect(after.count == 1)
        #expect(after[0].operations.map(\.action.kind) == ["highlight.create", "note.create"])
        let detail = try replica.article("a2")
        #expect(detail.highlights.map(\.exact) == ["ceasefire"])
        #expect(detail.notes.first?.highlight == result.highlight)
    }

    @Test func aQuoteMustBeFoundAndUnambiguous() throws {
        let replica = try makeReplica()
        #expect(throws: ReplicaError.self) { try replica.highlight("a1", quote: "not in the text") }
        #expect(throws: ReplicaError.self) { try replica.highlight("a1", quote: "talks") }  // twice in a1
        let second = try replica.highlight("a1", quote: "talks", occurrence: 2)
        let text = Array(try replica.article("a1").text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(text[second.start..<second.end])) == "talks")
    }

    @Test func searchFindsArticlesAndNotesAndNeverFailsOnPunctuation() throws {
        let replica = try makeReplica()
        _ = try replica.addNote("a1", body: "Doha is in Qatar")
        let hits = try replica.search("qatar")
        #expect(hits.map(\.kind) == ["note"])
        #expect(try replica.search("CEASEFIRE").map(\.article) == ["a2"])
        #expect(try replica.search("\"unbalanced (").isEmpty)
    }

    @Test func searchFindsTheCurrentNoteBodyWhateverTheDeliveryOrder() throws {
        // Given a note created and then edited on one replica
        let alice = try makeReplica("alice")
        let note = try alice.addNote("a1", body: "alpha draft")
        _ = try alice.editNote(note, body: "bravo final")
        let changesets = try WireFormat.decode(Data(alice.changes().document))
        // When another replica receives the edit before the note it edits, then everything twice
        let bob = try makeReplica("bob", user: "bob")
        try bob.trust([alice])
        for changeset in changesets.reversed() + changesets { _ = try bob.apply([changeset], origin: .file) }
        // Then both find the note once, by its current body only
        for replica in [alice, bob] {
            #expect(try replica.search("bravo").map(\.note) == [note])
            #expect(try replica.search("alpha").isEmpty)
        }
    }

    @Test func changesFromAReplicaTooFarInTheFutureAreRefusedWhole() throws {
        let wall = ManualWallClock(milliseconds: 1_700_000_000_000)
        let receiver = try makeReplica("receiver", wall: wall)
        let future = ManualWallClock(milliseconds: 1_700_000_000_000 + 10 * 60 * 1000)
        let sender = try makeReplica("sender", user: "bob", wall: future)
        _ = try sender.tag("a1", with: ["from-the-future"])
        let changesets = try WireFormat.decode(Data(sender.changes().document))
        try receiver.trust([sender])
        let before = try receiver.changes().operations
        do {
            _ = try receiver.apply(changesets, origin: .file)
            Issue.record("accepted timestamps 10 minutes ahead")
        } catch {
            #expect(error.code == "clock_drift")
        }
        #expect(try receiver.changes().operations == before)
        // Once the receiver's clock has caught up, the same changes merge.
        wall.advance(by: 10 * 60 * 1000)
        #expect(try receiver.apply(changesets, origin: .file).applied > 0)
    }

    @Test func applyingTheSameChangesTwiceIsHarmless() throws {
        let alice = try makeReplica("alice")
        let bob = try makeReplica("bob", user: "bob")
        _ = try alice.tag("a1", with: ["x"])
        let changesets = try WireFormat.decode(Data(alice.changes().document))
        try bob.trust([alice])
        let first = try bob.apply(changesets, origin: .file)
        let second = try bob.apply(changesets, origin: .file)
        #expect(first.applied == changesets.reduce(0) { $0 + $1.operations.count })
        #expect(second.applied == 0)
        #expect(second.duplicates == first.operations)
    }

    @Test func theLogSaysWhoDidWhat() throws {
        let replica = try makeReplica()
        _ = try replica.tag("a1", with: ["x"])
        let id = try replica.addNote("a1", body: "hello")
        _ = try replica.editNote(id, body: "hello again")
        let log = try replica.log(article: "a1")
        #expect(log.map(\.kind) == ["note.edit", "note.create", "tag.add", "article.import"])
        #expect(log.allSatisfy { $0.author == "alice" })
    }

    @Test func aTagAddedMoreThanAThousandTimesCanStillBeRemoved() throws {
        // Given 1001 live additions of one tag on one article (someone added it again and again)
        let alice = try makeReplica("alice")
        let mallory = try makeReplica("mallory", user: "mallory")
        for _ in 0..<1001 { _ = try mallory.database.write { db in try Self.addTagAgain(mallory, db) } }
        try alice.trust([mallory])
        _ = try alice.apply(try WireFormat.decode(Data(mallory.changes().document)), origin: .file)
        // When alice removes it
        let removed = try alice.untag("a1", tags: ["x"])
        // Then it is gone, in several removals of one changeset
        #expect(removed.removed == ["x"])
        #expect(try alice.article("a1").tags.isEmpty)
        #expect(try alice.log(article: "a1", limit: 3).map(\.kind) == ["tag.remove", "tag.remove", "tag.add"])
    }

    /// One more `tag.add` of `x` on `a1`, whether or not the tag is already on.
    static func addTagAgain(_ replica: LocalReplica, _ db: Database) throws {
        let identity = try LocalReplica.identity(db, path: replica.path)
        var builder = identity.changesetBuilder(now: SystemWallClock().milliseconds())
        let action = Action.addTag(article: try ArticleID("a1"), tag: try TagName("x"))
        try builder.add { _ in action }
        _ = try OperationApplier(db: db, now: 0).apply(try builder.build()!, origin: .local)
        try LocalReplica.store(clock: builder.clock, db)
    }

    @Test func aHeldChangesetThatStillCannotApplyNeverStopsTheDirectoryFromUpdating() throws {
        // Given a changeset from a replica whose clock is an hour ahead, held for want of its key
        let wall = ManualWallClock(milliseconds: 1_700_000_000_000)
        let receiver = try makeReplica("receiver", wall: wall)
        let ahead = try makeReplica("ahead", user: "bob", wall: ManualWallClock(milliseconds: 1_700_000_000_000 + 3_600_000))
        _ = try ahead.tag("a1", with: ["from-the-future"])
        let held = try receiver.apply(try WireFormat.decode(Data(ahead.changes().document)), origin: .file)
        #expect(held.held > 0)
        // When the key becomes known (the server's directory names it)
        let identity = try ahead.identity()
        let recording = try receiver.recordServerKeys([SyncProtocol.KeyBinding(key: identity.key, user: identity.user, role: "curator")])
        // Then the directory is recorded, and what still cannot apply stays held, saying why
        #expect(recording.released == 0)
        #expect(try receiver.keys().contains { $0.user == "bob" })
        #expect(try receiver.heldChangesets().contains { $0.reason.contains("ahead of this clock") })
        // And once the clock has caught up, the next refresh applies it
        wall.advance(by: 3_600_000)
        #expect(try receiver.recordServerKeys([]).released > 0)
        #expect(try receiver.article("a1").tags.contains("from-the-future"))
    }

    @Test func changesFromACursorInsideAChangesetStartAtTheNextWholeOne() throws {
        // Given a changeset of two operations (a highlight with its note)
        let alice = try makeReplica("alice")
        _ = try alice.highlight("a1", quote: "Doha", note: "where")
        let all = try alice.changes()
        // When changes are asked from the middle of it
        let page = try alice.changes(since: all.cursor - 1)
        // Then that changeset is not cut (its signature covers both), and the page verifies
        #expect(page.operations == 0)
        #expect(try WireFormat.decode(Data(page.document)).isEmpty)
        #expect(try WireFormat.decode(Data(alice.changes(since: all.cursor - 2).document)).map(\.operations.count) == [2])
    }
}
