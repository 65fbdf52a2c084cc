/// `tag.add`: codes an article, or one of its highlights (a coded span), with a code. Each
/// addition is distinct: its id is the operation's timestamp, which a later `tag.remove`
/// names.
///
/// `tag` is the code's id: the name it was first used with, whatever it is called now
/// (``RenameTag``), so an addition by an old name made offline lands on the renamed code.
/// A span coding counts while its highlight is live and on the same article.
public struct AddTag: OperationKind {
    public static let kind = "tag.add"

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let tag: TagName
    /// The highlight coded, or `nil` for the whole article.
    public let highlight: EntityID?

    public init(article: ArticleID, tag: TagName, highlight: EntityID? = nil) {
        self.article = article
        self.tag = tag
        self.highlight = highlight
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(article: try fields.articleID(), tag: try fields.tag(), highlight: try fields.optionalEntityID("highlight"))
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("highlight", highlight?.rawValue)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        state.mention(tag, operation)
        state.tagAdditions[operation.timestamp] = CorpusState.TagAddition(article: article, tag: tag, highlight: highlight)
    }

    var summary: String { summary(naming: \.rawValue) }
    func summary(naming: (TagName) -> String) -> String {
        "tagged \(article)\(highlight.map { " (highlight \($0.rawValue.prefix(7)))" } ?? "") '\(naming(tag))'"
    }
    var action: Action { .addTag(self) }
}
