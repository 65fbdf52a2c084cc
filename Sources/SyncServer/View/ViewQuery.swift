import SyncCore

/// The filters and pages of the read endpoints (docs/protocol.md §7).
public enum ViewQuery {
    /// The most items a page may hold, and how many it holds when the client does not say.
    public static let maxLimit = 1000
    public static let defaultLimit = 100

    /// `GET /v1/articles`: articles by id, optionally coded with a code or one below it
    /// (as a whole or on a span), optionally matching a full-text query.
    public struct Articles: Sendable, Hashable {
        /// A code's path (`talks` also finds `talks/doha`), normalized.
        public var tag: String?
        /// Words that must all occur in the title or text.
        public var text: String?
        /// Only articles whose id sorts after this one (the previous page's last).
        public var after: String?
        public var limit: Int

        public init(tag: String? = nil, text: String? = nil, after: String? = nil, limit: Int = ViewQuery.defaultLimit) {
            self.tag = tag
            self.text = text
            self.after = after
            self.limit = limit
        }
    }

    /// `GET /v1/notes`: live notes by the time of their last change (then id), filtered.
    public struct Notes: Sendable, Hashable {
        public var article: String?
        /// The note's creator.
        public var author: String?
        /// Only notes changed at or after this timestamp (text form, or its prefix).
        public var since: String?
        /// Words that must all occur in the body.
        public var text: String?
        /// Only notes changed after this timestamp (the previous page's last `updated`).
        public var after: String?
        public var limit: Int

        public init(
            article: String? = nil, author: String? = nil, since: String? = nil, text: String? = nil, after: String? = nil,
            limit: Int = ViewQuery.defaultLimit
        ) {
            self.article = article
            self.author = author
            self.since = since
            self.text = text
            self.after = after
            self.limit = limit
        }
    }

    /// The words of a full-text query: split at white space, each searched as a word or a
    /// phrase of its own (no query syntax), all of them required.
    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).map(String.init).filter { !$0.isEmpty }.prefix(32).map { $0 }
    }
}

extension ViewQuery {
    /// The article `prefix` names among `candidates` (the ids starting with it, in order): an
    /// exact id wins, else the only one.
    /// - Throws: 404 `not_found` for none, 409 `conflict` for several.
    static func unique(_ prefix: String, among candidates: [String]) throws -> String {
        if candidates.contains(prefix) { return prefix }
        guard candidates.count == 1 else {
            if candidates.isEmpty { throw SyncServerError.notFound("no article matches '\(prefix)'") }
            throw SyncServerError.conflict(
                "article '\(prefix)' is ambiguous: it could be \(candidates.prefix(8).joined(separator: ", "))")
        }
        return candidates[0]
    }
}
