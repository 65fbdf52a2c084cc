/// `tag.remove`: cancels the additions of a code to an article, or to one of its
/// highlights, that the author had seen (`removes`). An addition the author had not seen
/// survives: a concurrent add wins.
///
/// `removes` is scoped: it cancels only additions of the same code to the same article and
/// highlight (or the article itself), so a removal cannot reach another code, article or
/// span whatever timestamps it lists.
public struct RemoveTag: OperationKind {
    public static let kind = "tag.remove"

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let tag: TagName
    /// The highlight whose coding is removed, or `nil` for the whole article's.
    public let highlight: EntityID?
    public let removes: [Timestamp]

    public init(article: ArticleID, tag: TagName, highlight: EntityID? = nil, removes: [Timestamp]) {
        self.article = article
        self.tag = tag
        self.highlight = highlight
        self.removes = removes
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(
            article: try fields.articleID(), tag: try fields.tag(), highlight: try fields.optionalEntityID("highlight"),
            removes: try fields.references("removes", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("highlight", highlight?.rawValue)
        object.set("removes", removes)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        for addition in removes {
            state.tagTombstones.insert(
                CorpusState.TagTombstone(addition: addition, article: article, tag: tag, highlight: highlight))
        }
    }

    var summary: String { summary(naming: \.rawValue) }
    func summary(naming: (TagName) -> String) -> String {
        "untagged \(article)\(highlight.map { " (highlight \($0.rawValue.prefix(7)))" } ?? "") '\(naming(tag))'"
    }
    var action: Action { .removeTag(self) }
}
