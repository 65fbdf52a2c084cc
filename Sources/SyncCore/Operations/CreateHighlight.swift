/// `highlight.create`: highlights a span of an article's text. The highlight's id derives
/// from the operation's timestamp (``EntityID/init(creator:)``); highlights never change.
public struct CreateHighlight: OperationKind {
    public static let kind = "highlight.create"

    public let highlight: EntityID
    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let selector: TextSelector

    var subject: EntityID? { highlight }

    public init(highlight: EntityID, article: ArticleID, selector: TextSelector) {
        self.highlight = highlight
        self.article = article
        self.selector = selector
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        let highlight = try fields.entityID("highlight")
        guard highlight == EntityID(creator: stamp) else {
            throw .invalidValue(field: "highlight", reason: "a new highlight's id must derive from its operation's hlc")
        }
        let offsets = 0...ImportArticle.maxTextBytes
        let selector = TextSelector(
            exact: try fields.string("exact"), prefix: try fields.string("prefix"), suffix: try fields.string("suffix"),
            start: try fields.integer("start", in: offsets), end: try fields.integer("end", in: offsets))
        try selector.validate()
        self.init(highlight: highlight, article: try fields.articleID(), selector: selector)
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("end", selector.end)
        object.set("exact", selector.exact)
        object.set("highlight", highlight.rawValue)
        object.set("prefix", selector.prefix)
        object.set("start", selector.start)
        object.set("suffix", selector.suffix)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.highlightCreations[highlight] = CorpusState.HighlightCreation(
            timestamp: operation.timestamp, author: operation.author, article: article, selector: selector)
    }

    var summary: String { "highlighted \(article) [\(highlight.rawValue.prefix(7))]: \"\(Action.excerpt(selector.exact))\"" }
    var action: Action { .createHighlight(self) }
}
