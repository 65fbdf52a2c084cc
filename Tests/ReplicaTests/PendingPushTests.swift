import Foundation
import Replica
import SyncCore
import Testing

/// What `annot sync` pushes: every operation of this user, exactly once, in whole changesets.
@Suite(.timeLimit(.minutes(10)))
struct PendingPushTests {
    @Test func aChangesetHeldInPartIsRefusedAndPushingSendsEachOperationOnce() throws {
        // Given alice's replica, and a changeset [a, b] she made on her other replica
        let folder = TemporaryFolder()
        let wall = ManualWallClock(milliseconds: 1_764_000_000_000)
        let replica = try LocalReplica.create(at: folder.path("alice.sqlite"), user: try UserName("alice"), wallClock: wall)
        try replica.setRemote(url: "http://127.0.0.1:1", token: "t")
        let alice = try UserName("alice")
        let article = try ArticleID("003_e7379399b3230908")
        let otherSigner = ReplicaSigner(seed: 2)
        let other = otherSigner.replica
        _ = try replica.trust(key: otherSigner.key, user: alice, role: nil)
        let a = SyncOperation(
            timestamp: Timestamp(milliseconds: 1_763_999_000_000, counter: 0, replica: other), author: alice,
            action: .addTag(article: article, tag: try TagName("first")))
        let b = SyncOperation(
            timestamp: Timestamp(milliseconds: 1_763_999_000_000, counter: 1, replica: other), author: alice,
            action: .addTag(article: article, tag: try TagName("second")))
        // When [a] arrives by file, then she works locally, then a changeset [a, b] arrives
        _ = try replica.apply([try Changeset(signing: [a], with: otherSigner)], origin: .file)
        _ = try replica.importArticles(from: [try ArticleFile(path: Self.article(in: folder))])
        let before = try replica.changes().document
        #expect(throws: ReplicaError.self) {
            _ = try replica.apply([try Changeset(signing: [a, b], with: otherSigner)], origin: .file)
        }
        // Then the second changeset, which shares an operation with the first, changes nothing
        #expect(try replica.changes().document == before)

        // Then pushing in the smallest batches still sends every operation exactly once.
        var pushed: [String] = []
        var batches = 0
        while let batch = try replica.pendingPush(limit: 1), batches < 10 {
            batches += 1
            if batch.operations > 0 {
                pushed += try WireFormat.decode(Data(batch.document)).flatMap(\.operations).map(\.timestamp.description)
            }
            try replica.markPushed(through: batch.lastSeq)
        }
        let log = try replica.changes(since: 0)
        let all = try WireFormat.decode(Data(log.document)).flatMap(\.operations).map(\.timestamp.description)
        #expect(pushed.count == 2)
        #expect(Set(pushed) == Set(all))
        #expect(pushed.count == Set(pushed).count)
    }

    static func article(in folder: TemporaryFolder) throws -> String {
        let path = folder.path("003_e7379399b3230908.txt")
        try "Talks\n\nA ceasefire first.".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
