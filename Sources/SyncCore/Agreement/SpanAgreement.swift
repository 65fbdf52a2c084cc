/// Agreement between two coders' coded spans of one code, as positive specific agreement
/// (the F1 score, which needs no count of "negative" spans): over the articles both coders
/// marked done, (matched spans of the first + matched spans of the second) / (all spans of
/// both). Exact: a span matches when the other coder coded the very same start and end.
/// Overlapping: a span matches when it shares at least one character with a span of the
/// other coder. docs/agreement.md writes the definitions out.
public enum SpanAgreement {
    /// A half-open range of character offsets, [start, end).
    public struct Span: Sendable, Hashable, Comparable, Codable {
        public let start: Int
        public let end: Int

        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }

        public static func < (a: Span, b: Span) -> Bool { (a.start, a.end) < (b.start, b.end) }

        func overlaps(_ other: Span) -> Bool { start < other.end && other.start < end }
    }

    /// Exact and overlapping F1 over articles, each given as the two coders' span sets;
    /// `units` is the number of articles compared (by default, those given: articles
    /// where neither coder coded a span add nothing to the sums and may be left out).
    public static func f1(
        _ articles: [(first: Set<Span>, second: Set<Span>)], units: Int? = nil
    ) -> (exact: AgreementFigure, overlap: AgreementFigure) {
        let units = units ?? articles.count
        var total = 0
        var exact = 0
        var overlapping = 0
        for (first, second) in articles {
            total += first.count + second.count
            exact += 2 * first.intersection(second).count
            let sortedSecond = second.sorted()
            let sortedFirst = first.sorted()
            overlapping += first.filter { span in sortedSecond.contains { $0.overlaps(span) } }.count
            overlapping += second.filter { span in sortedFirst.contains { $0.overlaps(span) } }.count
        }
        guard total > 0 else {
            let none = AgreementFigure(undefined: "neither coder coded a span", units: units, values: 0)
            return (none, none)
        }
        return (
            AgreementFigure(value: Double(exact) / Double(total), units: units, values: total),
            AgreementFigure(value: Double(overlapping) / Double(total), units: units, values: total)
        )
    }
}
