/// One import of an article, as the merge sees it.
public struct ArticleImport: Sendable, Hashable {
    public let timestamp: Timestamp
    public let author: UserName
    public let article: ArticleID
    public let title: String
    public let text: String

    public init(timestamp: Timestamp, author: UserName, article: ArticleID, title: String, text: String) {
        self.timestamp = timestamp
        self.author = author
        self.article = article
        self.title = title
        self.text = text
    }
}
