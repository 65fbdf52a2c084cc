import Foundation
import SeededRandom
import SyncCore
import TestSupport
import Testing

@testable import Replica

/// Property: histories that include what hostile or buggy peers send (removals and edits
/// naming other tags' additions and other notes' versions, conflicting imports of one
/// article, deletions of others' highlights) reach the same state in the SQLite replica as
/// in the reference model, whatever the order of delivery and however often each arrives.
// Serialized: hundreds of CPU-bound cases queued at once would hold back, for tens of
// seconds, the async tests waiting on PostgreSQL and sockets (2 cores here).
@Suite(.timeLimit(.minutes(10)), .serialized)
struct HostileHistoryConvergenceTests {
    static var seeds: [UInt64] { PropertySeeds.seeds(defaultCount: 300, stride: 0x2545_F491_4F6C_DD1D, offset: 7) }

    @Test(arguments: seeds)
    func theReplicaAndTheModelAgree(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let changesets = try Self.history(random: &random)
        var reference = CorpusState()
        for changeset in changesets { reference.apply(changeset) }
        let expected = reference.snapshot().canonicalJSON()

        // Delivered to a SQLite replica in random batches, shuffled, with duplicates.
        let folder = TemporaryFolder()
        let replica = try LocalReplica.create(at: folder.path("r.sqlite"), user: try UserName("reader"))
        try replica.recordServerKeys(Self.signers.enumerated().map { index, signer in
            SyncProtocol.KeyBinding(key: signer.key, user: Self.authors[index], role: "curator")
        })
        var delivery = changesets + changesets.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
        delivery.shuffle(using: &random)
        while !delivery.isEmpty {
            let batch = delivery.prefix(Int.random(in: 1...6, using: &random))
            delivery.removeFirst(batch.count)
            _ = try replica.apply(Array(batch), origin: .server)
        }
        #expect(try replica.snapshot().canonicalJSON() == expected, "diverged: replay with CONVERGENCE_SEED=\(seed)")
        #expect(try replica.heldChangesets().isEmpty)
    }

    static let signers = HostileHistory.signers
    static let authors = HostileHistory.authors

    static func history(random: inout SplitMix64) throws -> [Changeset] { try HostileHistory.changesets(random: &random) }
}
