import NIOCore
import SyncCore

/// What a store does for the server's merged view (``MergedView``): keep its tables, written
/// a step at a time, and answer the read endpoints from them.
///
/// The view has one writer at a time across every instance sharing the store
/// (``viewStep(_:)``): it computes a step from what the store holds at the view's cursor and
/// writes it with the new cursor in one transaction.
public protocol MergedViewStore: Sendable {
    /// What became of a step (``viewStep(_:)``).
    typealias ViewWrite = MergedViewWrite

    /// The seq of the last operation the view holds.
    func viewCursor() async throws -> Int64
    /// The stored operations (canonical JSON) about each of the pieces named by key.
    /// - Complexity: O(operations about those pieces).
    func viewOperations(about entities: [String]) async throws -> [String: [String]]
    /// The codes with these ids that the view holds, or every code when `ids` is nil.
    func viewCodes(_ ids: [TagName]?) async throws -> [TagName: ViewCode]
    /// Runs one step of the view as its only writer: `step` is given the view's cursor and
    /// returns what to write and the cursor to move to (`nil`: nothing to do), and that is
    /// written in one transaction. When another instance is writing a step right now, returns
    /// ``MergedViewWrite/busy`` at once, without running `step` (nobody waits for a writer).
    func viewStep(_ step: @escaping @Sendable (Int64) async throws -> (changes: ViewChanges, cursor: Int64)?) async throws -> MergedViewWrite

    /// A page of articles (``ViewQuery/Articles``), by id.
    func viewArticles(_ query: ViewQuery.Articles) async throws -> [SyncProtocol.ArticleListing]
    /// The article whose id is `prefix`, or the one whose id starts with it.
    func viewArticle(_ prefix: String) async throws -> SyncProtocol.ArticleDetail
    /// A page of codes by path, with their article counts.
    func viewCodeCounts(after path: String?, limit: Int) async throws -> [SyncProtocol.CodeCount]
    /// A page of notes (``ViewQuery/Notes``), by time of their last change.
    func viewNotes(_ query: ViewQuery.Notes) async throws -> [CorpusSnapshot.Note]
    /// Writes the export (``CorpusSnapshot/canonicalJSON()``) of the view as it is now,
    /// chunk by chunk, to `write`, holding one page of rows and one chunk at a time.
    func viewExport(chunkBytes: Int, _ write: (ByteBuffer) async throws -> Void) async throws
}

/// What became of a step of the merged view (``MergedViewStore/viewStep(_:)``).
public enum MergedViewWrite: Sendable {
    /// Written, and the cursor moved.
    case written
    /// Nothing to write: the view holds the whole log.
    case caughtUp
    /// Not run: another instance is writing a step now.
    case busy
}
