/// `article.status`: marks an article as coded by the operation's author (`done`), or as
/// not coded yet (`todo`). Each user has one status per article, and the latest operation
/// wins (a last-writer-wins register per article and author): only the author's own
/// replicas write it, so concurrent writes are one person's, on two machines.
///
/// Agreement (`annot agree`) counts a coder's codings of an article only once they marked
/// it done; before that the coder's value is missing data, not "no" (docs/agreement.md).
public struct ArticleStatus: OperationKind {
    public static let kind = "article.status"

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    /// Whether the author has finished coding the article.
    public let done: Bool

    public init(article: ArticleID, done: Bool) {
        self.article = article
        self.done = done
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let article = try fields.articleID()
        switch try fields.string("status") {
        case "done": self.init(article: article, done: true)
        case "todo": self.init(article: article, done: false)
        default: throw .invalidValue(field: "status", reason: "must be \"done\" or \"todo\"")
        }
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("status", done ? "done" : "todo")
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        let key = CorpusState.StatusKey(article: article, user: operation.author)
        if let current = state.statuses[key], current.timestamp > operation.timestamp { return }
        state.statuses[key] = CorpusState.StatusVersion(timestamp: operation.timestamp, done: done)
    }

    var summary: String { done ? "marked \(article) done" : "marked \(article) not done" }
    var action: Action { .articleStatus(self) }
}
