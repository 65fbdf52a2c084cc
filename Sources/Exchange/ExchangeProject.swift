import Foundation

/// A corpus as the exchange formats see it (W3C Web Annotation, REFI-QDA): users, the
/// codebook, articles, highlights, codings and notes, each with who made it and when.
/// A replica builds one to export; the importers produce ``ExchangeImport`` plans.
public struct ExchangeProject: Sendable, Hashable {
    public struct Code: Sendable, Hashable {
        /// The code's stable id.
        public var id: String
        /// Its path now (`talks/doha`).
        public var path: String
        public var memo: String?
        public var createdBy: String
        /// Milliseconds since 1970.
        public var created: UInt64

        public init(id: String, path: String, memo: String?, createdBy: String, created: UInt64) {
            self.id = id
            self.path = path
            self.memo = memo
            self.createdBy = createdBy
            self.created = created
        }
    }

    public struct Article: Sendable, Hashable {
        public var id: String
        public var title: String
        public var text: String
        public var importedBy: String
        public var imported: UInt64

        public init(id: String, title: String, text: String, importedBy: String, imported: UInt64) {
            self.id = id
            self.title = title
            self.text = text
            self.importedBy = importedBy
            self.imported = imported
        }
    }

    /// A span of an article: [start, end) in Unicode scalars, with its quote and context.
    public struct Highlight: Sendable, Hashable {
        public var id: String
        public var article: String
        public var author: String
        public var created: UInt64
        public var exact: String
        public var prefix: String
        public var suffix: String
        public var start: Int
        public var end: Int

        public init(
            id: String, article: String, author: String, created: UInt64, exact: String, prefix: String, suffix: String,
            start: Int, end: Int
        ) {
            self.id = id
            self.article = article
            self.author = author
            self.created = created
            self.exact = exact
            self.prefix = prefix
            self.suffix = suffix
            self.start = start
            self.end = end
        }
    }

    /// One coder's code on an article, or on one of its highlights.
    public struct Coding: Sendable, Hashable {
        public var article: String
        /// The code's path.
        public var code: String
        public var highlight: String?
        public var coder: String
        public var created: UInt64

        public init(article: String, code: String, highlight: String?, coder: String, created: UInt64) {
            self.article = article
            self.code = code
            self.highlight = highlight
            self.coder = coder
            self.created = created
        }
    }

    public struct Note: Sendable, Hashable {
        public var id: String
        public var article: String
        /// The live highlight the note is on, if any.
        public var highlight: String?
        public var replyTo: String?
        public var author: String
        public var created: UInt64
        public var updated: UInt64
        public var body: String

        public init(
            id: String, article: String, highlight: String?, replyTo: String?, author: String, created: UInt64, updated: UInt64,
            body: String
        ) {
            self.id = id
            self.article = article
            self.highlight = highlight
            self.replyTo = replyTo
            self.author = author
            self.created = created
            self.updated = updated
            self.body = body
        }
    }

    public var users: [String]
    public var codes: [Code]
    public var articles: [Article]
    public var highlights: [Highlight]
    public var codings: [Coding]
    public var notes: [Note]

    /// Puts every list in a canonical order, so that equal projects export equal bytes.
    public init(users: [String], codes: [Code], articles: [Article], highlights: [Highlight], codings: [Coding], notes: [Note]) {
        self.users = Array(Set(users)).sorted()
        self.codes = codes.sorted { ($0.path, $0.id) < ($1.path, $1.id) }
        self.articles = articles.sorted { $0.id < $1.id }
        self.highlights = highlights.sorted { ($0.article, $0.start, $0.end, $0.id) < ($1.article, $1.start, $1.end, $1.id) }
        self.codings = codings.sorted {
            ($0.article, $0.highlight ?? "", $0.code, $0.coder, $0.created) < ($1.article, $1.highlight ?? "", $1.code, $1.coder, $1.created)
        }
        self.notes = notes.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }
}
