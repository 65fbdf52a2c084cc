/// `article.import`: adds an article with its text. Articles are immutable: a second import
/// of the same id with the same text changes nothing; with a different text it is kept as
/// a conflicting import. Only curators and admins may import (docs/sync-model.md §4).
public struct ImportArticle: OperationKind {
    public static let kind = "article.import"
    /// The largest article text, in UTF-8 bytes.
    public static let maxTextBytes = 4 * 1024 * 1024
    /// The longest title, in Unicode scalars.
    public static let maxTitleScalars = 1000

    public let article: ArticleID
    var mentionedArticle: ArticleID? { article }
    public let title: String
    public let text: String


    public init(article: ArticleID, title: String, text: String) {
        self.article = article
        self.title = title
        self.text = text
    }

    /// Checks an article text as peers do: no NUL, at most ``maxTextBytes`` of UTF-8.
    public static func text(_ text: String) throws(SyncCoreError) -> String {
        try WireText.text(text, field: "article text", maxBytes: maxTextBytes)
    }

    /// Checks a title as peers do: one line, at most ``maxTitleScalars`` scalars.
    public static func title(_ title: String) throws(SyncCoreError) -> String {
        try WireText.line(title, field: "article title", maxScalars: maxTitleScalars)
    }

    init(reading fields: inout WireFields, stamp: Timestamp) throws(SyncCoreError) {
        self.init(
            article: try fields.articleID(),
            title: try WireText.line(try fields.string("title"), field: "article title", maxScalars: Self.maxTitleScalars),
            text: try WireText.text(try fields.string("text"), field: "article text", maxBytes: Self.maxTextBytes))
    }

    func write(to object: inout WireObject) {
        object.set("article", article.rawValue)
        object.set("text", text)
        object.set("title", title)
    }

    func merge(into state: inout CorpusState, _ operation: SyncOperation) {
        let hash = ContentHash.of(text)
        let candidate = ArticleImport(
            timestamp: operation.timestamp, author: operation.author, article: article, title: title, text: text)
        if let existing = state.imports[article]?[hash], !ArticleResolution.prefers(operation.timestamp, over: existing.timestamp) {
            return
        }
        state.imports[article, default: [:]][hash] = candidate
    }

    var summary: String { "imported \(article): \(title)" }
    var action: Action { .importArticle(self) }
}
