/// What agreement is computed from: which coders marked which articles done, and what each
/// coder coded, by code path. Pure data, gathered by a replica (or the reference model).
public struct CodingFacts: Sendable, Hashable {
    /// A code applied by one coder to a whole article.
    public struct ArticleCoding: Sendable, Hashable, Comparable {
        public let article: String
        public let coder: String
        public let code: String

        public init(article: String, coder: String, code: String) {
            self.article = article
            self.coder = coder
            self.code = code
        }

        public static func < (a: Self, b: Self) -> Bool { (a.article, a.code, a.coder) < (b.article, b.code, b.coder) }
    }

    /// A code applied by one coder to a highlight of an article.
    public struct SpanCoding: Sendable, Hashable, Comparable {
        public let article: String
        public let coder: String
        public let code: String
        public let highlight: String
        public let span: SpanAgreement.Span

        public init(article: String, coder: String, code: String, highlight: String, span: SpanAgreement.Span) {
            self.article = article
            self.coder = coder
            self.code = code
            self.highlight = highlight
            self.span = span
        }

        public static func < (a: Self, b: Self) -> Bool {
            (a.article, a.code, a.span, a.coder, a.highlight) < (b.article, b.code, b.span, b.coder, b.highlight)
        }
    }

    /// The coders compared, in report order.
    public let coders: [String]
    /// Per article, the coders who marked it done.
    public let done: [String: Set<String>]
    public let articleCodings: Set<ArticleCoding>
    public let spanCodings: Set<SpanCoding>
    /// Per article, per code, the coders who applied it to the whole article.
    let appliers: [String: [String: Set<String>]]
    /// Per article, its span codings.
    let spans: [String: [SpanCoding]]

    /// Keeps only the given coders' statuses and codings.
    public init(coders: [String], done: [String: Set<String>], articleCodings: Set<ArticleCoding>, spanCodings: Set<SpanCoding>) {
        let selected = Set(coders)
        self.coders = coders
        self.done = done.compactMapValues { users in
            let kept = users.intersection(selected)
            return kept.isEmpty ? nil : kept
        }
        self.articleCodings = articleCodings.filter { selected.contains($0.coder) }
        self.spanCodings = spanCodings.filter { selected.contains($0.coder) }
        var appliers: [String: [String: Set<String>]] = [:]
        for coding in self.articleCodings { appliers[coding.article, default: [:]][coding.code, default: []].insert(coding.coder) }
        self.appliers = appliers
        self.spans = Dictionary(grouping: self.spanCodings, by: \.article)
    }

    /// Whether `coder` applied `code` to `article` as a whole.
    public func applied(_ code: String, to article: String, by coder: String) -> Bool {
        appliers[article]?[code]?.contains(coder) ?? false
    }

    /// Whether `coder` marked `article` done.
    public func isDone(_ article: String, by coder: String) -> Bool { done[article]?.contains(coder) ?? false }

    /// The codes any coder applied to an article they marked done, sorted.
    public var codesUsed: [String] {
        let whole = articleCodings.filter { isDone($0.article, by: $0.coder) }.map(\.code)
        let spans = spanCodings.filter { isDone($0.article, by: $0.coder) }.map(\.code)
        return Set(whole + spans).sorted()
    }
}
