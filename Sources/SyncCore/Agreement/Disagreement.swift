/// One code on one article (or one span) on which coders who marked the article done
/// differ: some applied it and some did not (`annot disagreements`).
public struct Disagreement: Sendable, Hashable, Codable {
    public let article: String
    public let code: String
    /// For a span: its character range (the coders' highlights of it are in `highlights`).
    public let span: SpanAgreement.Span?
    /// Who applied it, and who marked the article done without applying it.
    public let applied: [String]
    public let notApplied: [String]
    /// For a span, each coder's highlight of it, as `coder: highlight id`.
    public let highlights: [String: String]

    /// Every disagreement in `facts`, by article, code, then span.
    public static func all(in facts: CodingFacts, article only: String? = nil) -> [Disagreement] {
        var result: [Disagreement] = []
        for article in facts.done.keys.sorted() where only == nil || only == article {
            let coders = facts.coders.filter { facts.isDone(article, by: $0) }
            guard coders.count >= 2 else { continue }
            for code in (facts.appliers[article] ?? [:]).keys.sorted() {
                let applied = coders.filter { facts.applied(code, to: article, by: $0) }
                guard !applied.isEmpty else { continue }
                guard applied.count < coders.count else { continue }
                result.append(
                    Disagreement(
                        article: article, code: code, span: nil, applied: applied,
                        notApplied: coders.filter { !applied.contains($0) }, highlights: [:]))
            }
            let spans = (facts.spans[article] ?? []).filter { facts.isDone(article, by: $0.coder) }
            var bySpan: [String: [SpanAgreement.Span: [CodingFacts.SpanCoding]]] = [:]
            for coding in spans { bySpan[coding.code, default: [:]][coding.span, default: []].append(coding) }
            for code in bySpan.keys.sorted() {
                for span in bySpan[code]!.keys.sorted() {
                    let codings = bySpan[code]![span]!
                    let applied = coders.filter { coder in codings.contains { $0.coder == coder } }
                    guard applied.count < coders.count else { continue }
                    var highlights: [String: String] = [:]
                    for coding in codings.sorted() where highlights[coding.coder] == nil { highlights[coding.coder] = coding.highlight }
                    result.append(
                        Disagreement(
                            article: article, code: code, span: span, applied: applied,
                            notApplied: coders.filter { !applied.contains($0) }, highlights: highlights))
                }
            }
        }
        return result
    }
}
