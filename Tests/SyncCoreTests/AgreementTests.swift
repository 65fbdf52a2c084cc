import Testing

@testable import SyncCore

/// Each coefficient against a published worked example and a small case computed by hand
/// (docs/agreement.md shows the hand computations).
@Suite(.timeLimit(.minutes(10)))
struct AgreementTests {
    /// Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: four
    /// coders, twelve units, values 1 to 5 with missing data. Nominal alpha is 0.743.
    @Test func krippendorffsWorkedExampleGivesThePublishedAlpha() {
        // Given the reliability data of the paper (nil: the coder gave no value)
        let rows: [[Int?]] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
            [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
        ]
        let units = (0..<12).map { unit in rows.map { $0[unit] } }
        let data = ReliabilityData(coders: ["A", "B", "C", "D"], units: units)
        // When alpha is computed
        let alpha = data.krippendorffAlpha()
        // Then it is the paper's 0.743, over its 11 pairable units and n = 40 values
        #expect(alpha.formatted == "0.743")
        #expect(abs(alpha.value! - 0.7434) < 0.0001)
        #expect(alpha.units == 11)
        #expect(alpha.values == 40)
    }

    /// Cohen (1960) as Wikipedia's "Cohen's kappa" works it: 50 proposals, both say yes to
    /// 20, A yes and B no to 5, A no and B yes to 10, both no to 15: κ = 0.4.
    @Test func cohensKappaOfTheStandardExample() {
        // Given the 50 units
        let units: [[String?]] =
            Array(repeating: ["yes", "yes"], count: 20) + Array(repeating: ["yes", "no"], count: 5)
            + Array(repeating: ["no", "yes"], count: 10) + Array(repeating: ["no", "no"], count: 15)
        // When kappa is computed for the two coders
        let kappa = ReliabilityData(coders: ["A", "B"], units: units).cohenKappa(0, 1)
        // Then it is 0.4 over 50 units
        #expect(abs(kappa.value! - 0.4) < 1e-12)
        #expect(kappa.units == 50)
    }

    /// Fleiss (1971) as Wikipedia's "Fleiss' kappa" works it: 10 subjects, 14 raters,
    /// 5 categories; P̄ = 0.378, P̄e = 0.213, κ = 0.210.
    @Test func fleissKappaOfTheStandardExample() {
        // Given the counts n_ij of the example, spread over 14 raters
        let counts = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
        let units: [[Int?]] = counts.map { row in row.enumerated().flatMap { Array(repeating: $0.offset + 1, count: $0.element) } }
        let data = ReliabilityData(coders: (1...14).map { "r\($0)" }, units: units)
        // When Fleiss' kappa is computed
        let kappa = data.fleissKappa()
        // Then it is 0.210
        #expect(kappa.formatted == "0.210")
        #expect(kappa.units == 10)
        #expect(kappa.values == 140)
    }

    /// Two coders, four articles, one code: A applied it to articles 1 and 2, B to 1 only.
    /// By hand (docs/agreement.md): o11 = 2, o10 = o01 = 1, o00 = 4, n = 8; n1 = 3, n0 = 5;
    /// α = 1 − 7 · 2 / (64 − 9 − 25) = 1 − 14/30 = 0.5333; percent agreement 6/8 = 0.75;
    /// Cohen's κ = (0.75 − 0.5) / 0.5 = 0.5; Fleiss' κ = (0.75 − 34/64) / (30/64) = 0.4667.
    @Test func aSmallCaseComputedByHand() {
        let data = ReliabilityData(coders: ["A", "B"], units: [[1, 1], [1, 0], [0, 0], [0, 0]])
        #expect(abs(data.krippendorffAlpha().value! - (1 - 14.0 / 30)) < 1e-12)
        #expect(abs(data.percentAgreement().value! - 0.75) < 1e-12)
        #expect(abs(data.cohenKappa(0, 1).value! - 0.5) < 1e-12)
        #expect(abs(data.fleissKappa().value! - (0.75 - 34.0 / 64) / (30.0 / 64)) < 1e-12)
    }

    @Test func missingValuesAreLeftOutNotCountedAsNo() {
        // Given a third coder who coded only the first article
        let data = ReliabilityData(coders: ["A", "B", "C"], units: [[1, 1, 1], [1, 0, nil], [0, 0, nil], [0, 0, nil]])
        // Then Fleiss' kappa uses only the complete unit, and Cohen's kappa for A and C only
        // the one unit both coded (where neither varies: undefined, not NaN)
        #expect(data.fleissKappa().units == 1)
        let ac = data.cohenKappa(0, 2)
        #expect(ac.value == nil)
        #expect(ac.units == 1)
        #expect(ac.formatted.hasPrefix("undefined (no variation"))
        // And alpha counts C's one value as pairable: n = 3 + 2 + 2 + 2
        #expect(data.krippendorffAlpha().values == 9)
    }

    @Test func undefinedFiguresSayWhy() {
        // Given coders who all agree that no article has the code
        let none = ReliabilityData(coders: ["A", "B"], units: [[0, 0], [0, 0], [0, nil]])
        // Then alpha and the kappas are undefined (no variation), while agreement is 1
        #expect(none.krippendorffAlpha().undefined == "no variation: every pairable value is the same")
        #expect(none.cohenKappa(0, 1).value == nil)
        #expect(none.fleissKappa().value == nil)
        #expect(none.percentAgreement().value == 1)
        // And with nothing pairable, alpha says so
        let lonely = ReliabilityData(coders: ["A", "B"], units: [[1, nil], [nil, 0]])
        #expect(lonely.krippendorffAlpha().undefined == "fewer than two pairable values")
        #expect(lonely.cohenKappa(0, 1).undefined == "no unit coded by both")
        #expect(lonely.fleissKappa().undefined == "no unit coded by every coder")
    }

    @Test func perfectAgreementIsOne() {
        let data = ReliabilityData(coders: ["A", "B", "C"], units: [[1, 1, 1], [0, 0, nil], [1, nil, 1], [0, 0, 0]])
        #expect(data.krippendorffAlpha().value == 1)
        #expect(data.fleissKappa().value == 1)
        #expect(data.cohenKappa(0, 1).value == 1)
    }

    @Test func spanF1ExactAndOverlapping() {
        typealias Span = SpanAgreement.Span
        // Given A's spans [0,5) [10,20) and B's [0,5) [12,18) [30,40) on one article
        let first: Set<Span> = [Span(start: 0, end: 5), Span(start: 10, end: 20)]
        let second: Set<Span> = [Span(start: 0, end: 5), Span(start: 12, end: 18), Span(start: 30, end: 40)]
        // When F1 is computed
        let (exact, overlap) = SpanAgreement.f1([(first, second)])
        // Then exact is 2·1/5 and overlapping (2 + 2)/5
        #expect(abs(exact.value! - 0.4) < 1e-12)
        #expect(abs(overlap.value! - 0.8) < 1e-12)
        #expect(exact.values == 5)
        // And spans that only touch ([0,5) and [5,9)) do not overlap
        let touching = SpanAgreement.f1([([Span(start: 0, end: 5)], [Span(start: 5, end: 9)])])
        #expect(touching.overlap.value == 0)
        // And with no span at all, F1 is undefined
        #expect(SpanAgreement.f1([([], [])]).exact.undefined == "neither coder coded a span")
    }
}
