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
        var pooled: [[Int?]] = []
        var reports: [Code] = []
        var pooledSpans: [[(first: Set<SpanAgreement.Span>, second: Set<SpanAgreement.Span>)]] = []
        let pairs = Self.pairs(coders.count)
        pooledSpans = Array(repeating: [], count: pairs.count)
        for code in codes {
            let units: [[Int?]] = articles.map { article in
                coders.map { coder in
                    guard facts.isDone(article, by: coder) else { return nil }
                    return facts.applied(code, to: article, by: coder) ? 1 : 0
                }
            }
            pooled.append(contentsOf: units)
            var spanPairs: [SpanPair] = []
            for (index, (i, j)) in pairs.enumerated() {
                let shared = articles.filter { facts.isDone($0, by: coders[i]) && facts.isDone($0, by: coders[j]) }
                let perArticle = shared.map { article in
                    (first: facts.spans(code, on: article, by: coders[i]), second: facts.spans(code, on: article, by: coders[j]))
                }
                pooledSpans[index].append(contentsOf: perArticle)
                let (exact, overlap) = SpanAgreement.f1(perArticle)
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
            let (exact, overlap) = SpanAgreement.f1(pooledSpans[index])
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
