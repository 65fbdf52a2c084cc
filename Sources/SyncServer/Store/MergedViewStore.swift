import NIOCore
import SyncCore

/// What a store does for the server's merged view (``MergedView``): keep its tables, written
/// a step at a time, and answer the read endpoints from them.
///
/// The view has one writer at a time across every instance sharing the store: a step is
/// computed from what the store held at the view's cursor and written only if the cursor
/// has not moved meanwhile (``applyView(_:from:to:)``), else computed again.
public protocol MergedViewStore: Sendable {
    /// What became of a step offered to ``applyView(_:from:to:)``.
    typealias ViewWrite = MergedViewWrite

    /// The seq of the last operation the view holds.
    func viewCursor() async throws -> Int64
    /// The stored operations (canonical JSON) about each of the pieces named by key.
    /// - Complexity: O(operations about those pieces).
    func viewOperations(about entities: [String]) async throws -> [String: [String]]
    /// The codes with these ids that the view holds, or every code when `ids` is nil.
    func viewCodes(_ ids: [TagName]?) async throws -> [TagName: ViewCode]
    /// Writes a step and moves the cursor from `from` to `to`, in one transaction, unless
    /// the cursor is no longer `from` (another instance wrote that step), or another
    /// instance is writing a step right now (it never waits for it).
    func applyView(_ changes: ViewChanges, from: Int64, to: Int64) async throws -> MergedViewWrite

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

/// What became of a step of the merged view offered to its store.
public enum MergedViewWrite: Sendable {
    /// Written, and the cursor moved.
    case written
    /// Not written: the cursor had moved on (another instance wrote the step).
    case moved
    /// Not written: another instance is writing a step now.
    case busy
}
