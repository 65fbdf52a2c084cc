/// `tag.add`: adds a tag to an article. Each addition is distinct: its id is the operation's
/// timestamp, which a later `tag.remove` names.
public struct AddTag: OperationKind {
    public static let kind = "tag.add"

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let tag: TagName


    public init(article: ArticleID, tag: TagName) {
        self.article = article
        self.tag = tag
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(article: try fields.articleID(), tag: try fields.tag())
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.tagAdditions[operation.timestamp] = CorpusState.TagAddition(article: article, tag: tag)
    }

    var summary: String { "tagged \(article) '\(tag)'" }
    var action: Action { .addTag(self) }
}
