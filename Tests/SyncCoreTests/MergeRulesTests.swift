import Testing

@testable import SyncCore

/// Each merge rule on the reference ``CorpusState``, including the concurrent cases.
@Suite(.timeLimit(.minutes(10)))
struct MergeRulesTests {
    typealias F = Fixtures
    let article = F.article

    func state(_ operations: [SyncOperation]) -> CorpusState {
        var state = CorpusState()
        for operation in operations { state.apply(operation) }
        return state
    }

    // MARK: Tags

    @Test func aConcurrentAddWinsOverARemove() {
        // Given alice tagged the article, and bob saw it
        let add1 = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        // When bob removes the tag while alice, not having seen that, adds it again
        let remove = F.operation(F.stamp(3, "bbbb"), F.bob, .removeTag(article: article, tag: F.tag("x"), removes: [add1.timestamp]))
        let add2 = F.operation(F.stamp(2), .addTag(article: article, tag: F.tag("x")))
        // Then, in every order, the tag stays
        for order in [[add1, remove, add2], [add2, remove, add1], [remove, add1, add2]] {
            #expect(state(order).snapshot().tags == [.init(article: article, tag: F.tag("x"))])
        }
    }

    @Test func aRemoveOfEverythingSeenRemovesTheTag() {
        let add = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let remove = F.operation(F.stamp(2), .removeTag(article: article, tag: F.tag("x"), removes: [add.timestamp]))
        #expect(state([add, remove]).snapshot().tags.isEmpty)
        #expect(state([remove, add]).snapshot().tags.isEmpty)
    }

    @Test func removingThenReAddingLaterWorks() {
        let add = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let remove = F.operation(F.stamp(2), .removeTag(article: article, tag: F.tag("x"), removes: [add.timestamp]))
        let again = F.operation(F.stamp(3), .addTag(article: article, tag: F.tag("x")))
        #expect(state([add, remove, again]).snapshot().tags.count == 1)
        #expect(state([again, remove, add]).liveAdditions(of: F.tag("x"), on: article) == [again.timestamp])
    }

    // MARK: Notes

    func note(at time: Timestamp) -> EntityID { EntityID(creator: time) }

    @Test func concurrentEditsKeepTheLoserAsAConflict() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.timestamp)
        let byAlice = F.operation(F.stamp(5), .editNote(note: id, body: "alice's", base: [created.timestamp]))
        let byBob = F.operation(F.stamp(4, "bbbb"), F.bob, .editNote(note: id, body: "bob's", base: [created.timestamp]))
        for order in [[created, byAlice, byBob], [byBob, byAlice, created]] {
            let snapshot = state(order).snapshot()
            let note = try #require(snapshot.notes.first)
            #expect(note.body == "alice's")  // the greater HLC is shown
            #expect(note.conflicts == [.init(NoteVersion(timestamp: byBob.timestamp, author: F.bob, body: "bob's"))])
        }
    }

    @Test func anEditThatSawBothVersionsResolvesTheConflict() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.timestamp)
        let a = F.operation(F.stamp(5), .editNote(note: id, body: "a", base: [created.timestamp]))
        let b = F.operation(F.stamp(4, "bbbb"), F.bob, .editNote(note: id, body: "b", base: [created.timestamp]))
        let merge = F.operation(F.stamp(6, "bbbb"), F.bob, .editNote(note: id, body: "a+b", base: [a.timestamp, b.timestamp]))
        let note = try #require(state([merge, created, b, a]).snapshot().notes.first)
        #expect(note.body == "a+b")
        #expect(note.conflicts.isEmpty)
    }

    @Test func anEditConcurrentWithADeleteWinsAndTheDeleteIsReported() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.timestamp)
        // The delete has the greater timestamp: last-writer-wins alone would lose the edit.
        let delete = F.operation(F.stamp(9, "bbbb"), F.bob, .deleteNote(note: id, base: [created.timestamp]))
        let edit = F.operation(F.stamp(5), .editNote(note: id, body: "kept", base: [created.timestamp]))
        for order in [[created, delete, edit], [edit, delete, created]] {
            let note = try #require(state(order).snapshot().notes.first)
            #expect(note.body == "kept")
            #expect(note.conflicts == [.init(NoteVersion(timestamp: delete.timestamp, author: F.bob, body: nil))])
        }
    }

    @Test func aDeleteThatSawTheLatestVersionDeletesTheNote() {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.timestamp)
        let edit = F.operation(F.stamp(2), .editNote(note: id, body: "v2", base: [created.timestamp]))
        let delete = F.operation(F.stamp(3, "bbbb"), F.bob, .deleteNote(note: id, base: [edit.timestamp]))
        #expect(state([delete, edit, created]).snapshot().notes.isEmpty)
    }

    @Test func editsArrivingBeforeTheCreationWaitForIt() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let edit = F.operation(F.stamp(2), .editNote(note: note(at: created.timestamp), body: "v2", base: [created.timestamp]))
        #expect(state([edit]).snapshot().notes.isEmpty)
        #expect(try #require(state([edit, created]).snapshot().notes.first).body == "v2")
    }

    // MARK: Highlights and articles

    @Test func aHighlightDeletedBeforeItArrivesStaysDeleted() {
        let time = F.stamp(1)
        let create = F.operation(
            time, .createHighlight(highlight: EntityID(creator: time), article: article, selector: .init(text: "abcdef", start: 1, end: 3)))
        let delete = F.operation(F.stamp(2), .deleteHighlight(highlight: EntityID(creator: time)))
        #expect(state([create]).snapshot().highlights.count == 1)
        #expect(state([delete, create]).snapshot().highlights.isEmpty)
    }

    @Test func theEarliestImportDefinesAnArticleAndADifferentTextIsKeptAside() throws {
        let first = F.operation(F.stamp(1), .importArticle(article: article, title: "T", text: "original"))
        let same = F.operation(F.stamp(2, "bbbb"), F.bob, .importArticle(article: article, title: "T", text: "original"))
        let other = F.operation(F.stamp(3, "cccc"), F.bob, .importArticle(article: article, title: "T2", text: "changed"))
        for order in [[first, same, other], [other, same, first], [same, other, first]] {
            let snapshot = state(order).snapshot()
            let article = try #require(snapshot.articles.first)
            #expect(article.text == "original")
            #expect(article.imported == first.timestamp)
            #expect(article.conflictingImports.map(\.text) == ["changed"])
        }
    }

    // MARK: Scoped facts

    @Test func aRemovalCancelsOnlyAdditionsOfItsOwnTagAndArticle() {
        // Given alice's tag x on the article, and tag y on another article
        let other = try! ArticleID("004")
        let x = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let y = F.operation(F.stamp(2), .addTag(article: other, tag: F.tag("y")))
        // When bob removes his own tag z while naming alice's additions
        let forged = F.operation(
            F.stamp(3, "bbbb"), F.bob, .removeTag(article: article, tag: F.tag("z"), removes: [x.timestamp, y.timestamp]))
        // Then, in every order, both of alice's tags stay
        for order in [[x, y, forged], [forged, x, y], [y, forged, x]] {
            #expect(state(order).snapshot().tags.count == 2)
        }
    }

    @Test func anEditSupersedesOnlyVersionsOfItsOwnNote() throws {
        // Given alice's note, and bob's own note
        let alices = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "alice", highlight: nil))
        let bobs = F.operation(
            F.stamp(2, "bbbb"), F.bob, .createNote(note: note(at: F.stamp(2, "bbbb")), article: article, body: "bob", highlight: nil))
        // When bob edits his own note with a base naming alice's version
        let forged = F.operation(
            F.stamp(3, "bbbb"), F.bob,
            .editNote(note: note(at: bobs.timestamp), body: "bob again", base: [bobs.timestamp, alices.timestamp]))
        // Then, in every order, alice's note is still shown, and bob's edit applies to his note only
        for order in [[alices, bobs, forged], [forged, alices, bobs], [bobs, forged, alices]] {
            let notes = state(order).snapshot().notes
            #expect(notes.map(\.body).sorted() == ["alice", "bob again"])
            #expect(notes.allSatisfy { $0.conflicts.isEmpty })
        }
    }

    @Test func canonicallyEquivalentTextsAreDistinctImports() throws {
        // Swift's `==` treats a precomposed "é" and "e" + U+0301 as equal; the model compares
        // bytes (as the SQLite replica does), so the second text is a conflicting import.
        let first = F.operation(F.stamp(1), .importArticle(article: article, title: "T", text: "caf\u{E9}"))
        let second = F.operation(F.stamp(2, "bbbb"), F.bob, .importArticle(article: article, title: "T", text: "cafe\u{301}"))
        let snapshot = state([second, first]).snapshot()
        #expect(snapshot.articles.first?.conflictingImports.count == 1)
    }

    @Test func aCollisionIsDetectedNotApplied() {
        // Given an operation held, and another operation with the same timestamp
        let held = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let forged = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("forged")))
        var state = CorpusState()
        state.apply(held)
        // Then the model names the collision and applies nothing of the forgery
        #expect(state.collision(with: forged) == held.id)
        #expect(state.collision(with: held) == nil)
        let applied = state.apply(forged)
        #expect(!applied)
        #expect(state.snapshot().tags.map(\.tag) == [F.tag("x")])
    }

    @Test func applyingAnOperationTwiceChangesNothing() {
        var state = CorpusState()
        let operation = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let first = state.apply(operation)
        let second = state.apply(operation)
        #expect(first)
        #expect(!second)
        #expect(state.operationCount == 1)
    }
}
