import Testing

@testable import SyncCore

/// Each merge rule on the reference ``CorpusState``, including the concurrent cases.
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
        let remove = F.operation(F.stamp(3, "bbbb"), F.bob, .removeTag(article: article, tag: F.tag("x"), removes: [add1.id]))
        let add2 = F.operation(F.stamp(2), .addTag(article: article, tag: F.tag("x")))
        // Then, in every order, the tag stays
        for order in [[add1, remove, add2], [add2, remove, add1], [remove, add1, add2]] {
            #expect(state(order).snapshot().tags == [.init(article: article, tag: F.tag("x"))])
        }
    }

    @Test func aRemoveOfEverythingSeenRemovesTheTag() {
        let add = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let remove = F.operation(F.stamp(2), .removeTag(article: article, tag: F.tag("x"), removes: [add.id]))
        #expect(state([add, remove]).snapshot().tags.isEmpty)
        #expect(state([remove, add]).snapshot().tags.isEmpty)
    }

    @Test func removingThenReAddingLaterWorks() {
        let add = F.operation(F.stamp(1), .addTag(article: article, tag: F.tag("x")))
        let remove = F.operation(F.stamp(2), .removeTag(article: article, tag: F.tag("x"), removes: [add.id]))
        let again = F.operation(F.stamp(3), .addTag(article: article, tag: F.tag("x")))
        #expect(state([add, remove, again]).snapshot().tags.count == 1)
        #expect(state([again, remove, add]).liveAdditions(of: F.tag("x"), on: article) == [again.id])
    }

    // MARK: Notes

    func note(at time: Timestamp) -> EntityID { EntityID(creator: time) }

    @Test func concurrentEditsKeepTheLoserAsAConflict() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.id)
        let byAlice = F.operation(F.stamp(5), .editNote(note: id, body: "alice's", base: [created.id]))
        let byBob = F.operation(F.stamp(4, "bbbb"), F.bob, .editNote(note: id, body: "bob's", base: [created.id]))
        for order in [[created, byAlice, byBob], [byBob, byAlice, created]] {
            let snapshot = state(order).snapshot()
            let note = try #require(snapshot.notes.first)
            #expect(note.body == "alice's")  // the greater HLC is shown
            #expect(note.conflicts == [.init(NoteVersion(timestamp: byBob.id, author: F.bob, body: "bob's"))])
        }
    }

    @Test func anEditThatSawBothVersionsResolvesTheConflict() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.id)
        let a = F.operation(F.stamp(5), .editNote(note: id, body: "a", base: [created.id]))
        let b = F.operation(F.stamp(4, "bbbb"), F.bob, .editNote(note: id, body: "b", base: [created.id]))
        let merge = F.operation(F.stamp(6, "bbbb"), F.bob, .editNote(note: id, body: "a+b", base: [a.id, b.id]))
        let note = try #require(state([merge, created, b, a]).snapshot().notes.first)
        #expect(note.body == "a+b")
        #expect(note.conflicts.isEmpty)
    }

    @Test func anEditConcurrentWithADeleteWinsAndTheDeleteIsReported() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.id)
        // The delete has the greater timestamp: last-writer-wins alone would lose the edit.
        let delete = F.operation(F.stamp(9, "bbbb"), F.bob, .deleteNote(note: id, base: [created.id]))
        let edit = F.operation(F.stamp(5), .editNote(note: id, body: "kept", base: [created.id]))
        for order in [[created, delete, edit], [edit, delete, created]] {
            let note = try #require(state(order).snapshot().notes.first)
            #expect(note.body == "kept")
            #expect(note.conflicts == [.init(NoteVersion(timestamp: delete.id, author: F.bob, body: nil))])
        }
    }

    @Test func aDeleteThatSawTheLatestVersionDeletesTheNote() {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let id = note(at: created.id)
        let edit = F.operation(F.stamp(2), .editNote(note: id, body: "v2", base: [created.id]))
        let delete = F.operation(F.stamp(3, "bbbb"), F.bob, .deleteNote(note: id, base: [edit.id]))
        #expect(state([delete, edit, created]).snapshot().notes.isEmpty)
    }

    @Test func editsArrivingBeforeTheCreationWaitForIt() throws {
        let created = F.operation(F.stamp(1), .createNote(note: note(at: F.stamp(1)), article: article, body: "v1", highlight: nil))
        let edit = F.operation(F.stamp(2), .editNote(note: note(at: created.id), body: "v2", base: [created.id]))
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
            #expect(article.imported == first.id)
            #expect(article.conflictingImports.map(\.text) == ["changed"])
        }
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
