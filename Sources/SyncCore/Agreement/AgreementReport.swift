/// `annot agree`: agreement per code and overall between coders, for codes on whole
/// articles and for coded spans, with the formulas of docs/agreement.md.
///
/// Article units are the articles at least one coder marked done. A coder's value for an
/// article and code is 1 if they applied the code, 0 if they did not, and missing if they
/// have not marked the article done. Span agreement compares each pair of coders on the
/// articles both marked done.
public struct AgreementReport: Sendable, Hashable, Codable {
    /// Cohen's kappa of one pair of coders.
    public struct Pair: Sendable, Hashable, Codable {
        public let first: String
        public let second: String
        public let kappa: AgreementFigure
    }

    /// The coefficients over one set of units.
    public struct Figures: Sendable, Hashable, Codable {
        public let alpha: AgreementFigure
        public let fleiss: AgreementFigure
        public let percent: AgreementFigure
        public let pairs: [Pair]
    }

    /// Span agreement of one pair of coders on one code.
    public struct SpanPair: Sendable, Hashable, Codable {
        public let first: String
        public let second: String
        public let exact: AgreementFigure
        public let overlap: AgreementFigure
    }

    /// One code's agreement.
    public struct Code: Sendable, Hashable, Codable {
        public let code: String
        public let articles: Figures
        public let spans: [SpanPair]
    }

    public let coders: [String]
    /// Articles that at least one coder marked done.
    public let units: Int
    public let codes: [Code]
    /// Every (article, code) pair of the report pooled as one unit each.
    public let overall: Figures
    /// Span agreement of every code pooled, per pair of coders.
    public let overallSpans: [SpanPair]

    /// Computes the report for `codes` (every code used, when nil).
    public init(_ facts: CodingFacts, codes requested: [String]? = nil) {
        let coders = facts.coders
        let articles = facts.done.keys.sorted()
        let codes = requested ?? facts.codesUsed
        // Cells of the articles-by-coders matrix, by index: a · coders + c.
        let width = coders.count
        let coderIndex = Dictionary(uniqueKeysWithValues: coders.enumerated().map { ($1, $0) })
        let articleIndex = Dictionary(uniqueKeysWithValues: articles.enumerated().map { ($1, $0) })
        func cell(_ article: String, _ coder: String) -> Int? {
            guard let a = articleIndex[article], let c = coderIndex[coder] else { return nil }
            return a * width + c
        }
        var done = [Bool](repeating: false, count: articles.count * width)
        for (article, users) in facts.done {
            for user in users { if let index = cell(article, user) { done[index] = true } }
        }
        var applied: [String: [Int]] = [:]
        for coding in facts.articleCodings {
            if let index = cell(coding.article, coding.coder) { applied[coding.code, default: []].append(index) }
        }
        var spanCells: [String: [Int: Set<SpanAgreement.Span>]] = [:]
        for coding in facts.spanCodings {
            if let index = cell(coding.article, coding.coder) { spanCells[coding.code, default: [:]][index, default: []].insert(coding.span) }
        }
        let pairs = Self.pairs(width)
        // Per pair, the articles both coders marked done (span units).
        let shared = pairs.map { i, j in (0..<articles.count).filter { done[$0 * width + i] && done[$0 * width + j] } }
        var pooled: [[Int?]] = []
        var reports: [Code] = []
        var pooledSpans = Array(repeating: [(first: Set<SpanAgreement.Span>, second: Set<SpanAgreement.Span>)](), count: pairs.count)
        var mask = [Bool](repeating: false, count: articles.count * width)
        for code in codes {
            for index in applied[code] ?? [] { mask[index] = true }
            let units: [[Int?]] = (0..<articles.count).map { a in
                (0..<width).map { c in done[a * width + c] ? (mask[a * width + c] ? 1 : 0) : nil }
            }
            for index in applied[code] ?? [] { mask[index] = false }
            pooled.append(contentsOf: units)
            let cells = spanCells[code] ?? [:]
            var spanPairs: [SpanPair] = []
            for (index, (i, j)) in pairs.enumerated() {
                // Only the shared articles where either coder coded a span count in the sums.
                let perArticle = shared[index].compactMap { a -> (first: Set<SpanAgreement.Span>, second: Set<SpanAgreement.Span>)? in
                    let first = cells[a * width + i] ?? []
                    let second = cells[a * width + j] ?? []
                    return first.isEmpty && second.isEmpty ? nil : (first, second)
                }
                pooledSpans[index].append(contentsOf: perArticle)
                let (exact, overlap) = SpanAgreement.f1(perArticle, units: shared[index].count)
                spanPairs.append(SpanPair(first: coders[i], second: coders[j], exact: exact, overlap: overlap))
            }
            reports.append(
                Code(code: code, articles: Self.figures(ReliabilityData(coders: coders, units: units)), spans: spanPairs))
        }
        self.coders = coders
        self.units = articles.count
        self.codes = reports
        self.overall = Self.figures(ReliabilityData(coders: coders, units: pooled))
        self.overallSpans = pairs.enumerated().map { index, pair in
            let (exact, overlap) = SpanAgreement.f1(pooledSpans[index], units: shared[index].count)
            return SpanPair(first: coders[pair.0], second: coders[pair.1], exact: exact, overlap: overlap)
        }
    }

    static func pairs(_ count: Int) -> [(Int, Int)] {
        (0..<count).flatMap { i in ((i + 1)..<max(i + 1, count)).map { (i, $0) } }
    }

    static func figures(_ data: ReliabilityData<Int>) -> Figures {
        Figures(
            alpha: data.krippendorffAlpha(), fleiss: data.fleissKappa(), percent: data.percentAgreement(),
            pairs: pairs(data.coders.count).map { Pair(first: data.coders[$0.0], second: data.coders[$0.1], kappa: data.cohenKappa($0.0, $0.1)) })
    }
}
