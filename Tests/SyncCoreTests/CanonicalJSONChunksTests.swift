import Foundation
import SeededRandom
import Testing

@testable import SyncCore

/// The export streamed in chunks is the canonical JSON, byte for byte, as `JSONEncoder`
/// writes the whole document (the form replicas and servers compare).
// Serialized: hundreds of CPU-bound cases queued at once would hold back, for tens of
// seconds, the async tests waiting on PostgreSQL and sockets (2 cores here).
@Suite(.timeLimit(.minutes(10)), .serialized)
struct CanonicalJSONChunksTests {
    /// The document as one `JSONEncoder` call writes it: what the chunks must equal.
    struct WholeDocument: Encodable {
        let format = "annot-export"
        let version = CorpusSnapshot.version
        let articles: [CorpusSnapshot.Article]
        let codes: [CorpusSnapshot.Code]
        let tags: [CorpusSnapshot.Tagging]
        let notes: [CorpusSnapshot.Note]
        let highlights: [CorpusSnapshot.Highlight]
        let statuses: [CorpusSnapshot.Status]
        let decisions: [CorpusSnapshot.Decision]

        static func encode(_ snapshot: CorpusSnapshot) -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let document = WholeDocument(
                articles: snapshot.articles, codes: snapshot.codes, tags: snapshot.tags, notes: snapshot.notes, highlights: snapshot.highlights,
                statuses: snapshot.statuses, decisions: snapshot.decisions)
            return try! encoder.encode(document) + Data("\n".utf8)
        }
    }

    @Test func anEmptyCorpusIsTheEncodersDocument() {
        // Given a corpus with nothing in it
        let snapshot = CorpusState().snapshot()
        // When it is written in chunks, Then the bytes are the encoder's
        #expect(snapshot.canonicalJSON() == WholeDocument.encode(snapshot))
    }

    @Test(arguments: RandomWorkload.seeds(defaultCount: 40), [1, 100, 64 * 1024])
    func chunksOfAnySizeMakeTheEncodersDocument(seed: UInt64, chunkBytes: Int) {
        // Given a random corpus with articles, tags, notes (with conflicts) and highlights
        var random = SplitMix64(seed: seed)
        var state = CorpusState()
        for operation in RandomWorkload.operations(count: 80, replicas: 3, random: &random) { state.apply(operation) }
        let snapshot = state.snapshot()
        // When it is written in chunks of `chunkBytes`
        let chunks = Array(snapshot.canonicalJSONChunks(chunkBytes: chunkBytes))
        // Then the chunks together are the encoder's bytes, and each chunk but the last is
        // at least `chunkBytes` long and at most one element longer
        #expect(chunks.reduce(Data(), +) == WholeDocument.encode(snapshot), "replay with CONVERGENCE_SEED=\(seed)")
        #expect(chunks.dropLast().allSatisfy { $0.count >= chunkBytes })
        if chunkBytes == 64 * 1024 { #expect(chunks.count >= 1) }
    }
}
