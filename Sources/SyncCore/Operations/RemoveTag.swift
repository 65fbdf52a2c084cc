/// `tag.remove`: cancels the additions of a tag to an article that the author had seen
/// (`removes`). An addition the author had not seen survives: a concurrent add wins.
///
/// `removes` is scoped: it cancels only additions of the same tag to the same article, so a
/// removal cannot reach another tag or article whatever timestamps it lists.
public struct RemoveTag: OperationKind {
    public static let kind = "tag.remove"

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let tag: TagName
    public let removes: [Timestamp]


    public init(article: ArticleID, tag: TagName, removes: [Timestamp]) {
        self.article = article
        self.tag = tag
        self.removes = removes
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(article: try fields.articleID(), tag: try fields.tag(), removes: try fields.references("removes", before: stamp))
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("removes", removes)
        object.set("tag", tag.rawValue)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        for addition in removes {
            state.tagTombstones.insert(CorpusState.TagTombstone(addition: addition, article: article, tag: tag))
        }
    }

    var summary: String { "untagged \(article) '\(tag)'" }
    var action: Action { .removeTag(self) }
}
