import Foundation
import SyncCore
import Testing

@testable import Replica

/// A local write never waits for a long pull being applied to the same replica (issue 14,
/// vlcn-io/cr-sqlite#252): the pull lets it go first (``WriterIntent``).
@Suite(.timeLimit(.minutes(5)))
struct WriterPriorityTests {
    @Test func aLocalTagDoesNotWaitForAPullBeingApplied() throws {
        // Given bob's replica with the articles, and a pull of 6,000 of alice's changesets
        let folder = TemporaryFolder()
        let path = folder.path("bob.sqlite")
        let bob = try LocalReplica.create(at: path, user: try UserName("bob"))
        _ = try bob.importArticles(from: Corpus.files(in: folder))
        let alice = ReplicaSigner(seed: 7)
        _ = try bob.trust(key: alice.key, user: try UserName("alice"), role: "annotator")
        let article = try ArticleID("a1")
        let start = UInt64(Date().timeIntervalSince1970 * 1000) - 60_000
        let changesets = try (0..<6000).map { index in
            let operation = SyncOperation(
                timestamp: Timestamp(milliseconds: start + UInt64(index), counter: 0, replica: alice.replica),
                author: try UserName("alice"), action: .addTag(article: article, tag: try TagName("t\(index)")))
            return try Changeset(signing: [operation], with: alice)
        }

        // When another connection (as `annot sync` in another process) applies the pull,
        // and bob tags the article while it runs
        let puller = try LocalReplica.open(at: path)
        let clock = ContinuousClock()
        let began = clock.now
        nonisolated(unsafe) var pulled: ApplyReport?
        nonisolated(unsafe) var pullEnded = began
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            pulled = try? puller.applyPulled(changesets, cursor: 6000, operation: nil)
            pullEnded = clock.now
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.2)
        let tagStarted = clock.now
        _ = try bob.tag("a1", with: ["mine"])
        let tagEnded = clock.now
        done.wait()

        // Then the tag was written while the pull was still being applied, and the pull
        // still applied everything
        try #require(pullEnded > tagStarted, "the pull ended before the tag began: make it longer")
        #expect(tagEnded < pullEnded, "the tag took \(tagEnded - tagStarted); the pull \(pullEnded - began)")
        #expect(pulled?.applied == 6000)
        #expect(pulled?.changesets == 6000)
        #expect(try bob.articles(tagged: "mine").map(\.id) == ["a1"])
        #expect(try bob.articles(tagged: "t5999").map(\.id) == ["a1"])
    }
}
