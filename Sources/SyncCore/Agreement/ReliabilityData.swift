/// Reliability data as Krippendorff lays it out: for each unit (an article, say), the value
/// each coder gave it, or nil where the coder gave none (missing data, not a value).
///
/// Values are nominal: only whether two are equal matters. The coefficients are computed
/// as docs/agreement.md writes them, and each is tested against published worked examples.
public struct ReliabilityData<Value: Hashable & Comparable & Sendable>: Sendable {
    /// The coders, in column order.
    public let coders: [String]
    /// One row per unit, with one entry per coder.
    public let units: [[Value?]]

    /// The distinct values, sorted.
    private let distinct: [Value]
    /// Each unit's values as indices into `distinct`, one per coder, -1 where missing.
    private let cells: [[Int]]

    /// - Precondition: every row has one entry per coder.
    public init(coders: [String], units: [[Value?]]) {
        precondition(units.allSatisfy { $0.count == coders.count }, "one value (or nil) per coder in every unit")
        self.coders = coders
        self.units = units
        let distinct = Array(Set(units.joined().compactMap { $0 })).sorted()
        let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        self.distinct = distinct
        self.cells = units.map { row in row.map { $0.map { index[$0]! } ?? -1 } }
    }

    // MARK: - Krippendorff's alpha

    /// How many times each value index occurs in a unit (missing ones left out); returns
    /// how many values the unit has.
    private static func counts(_ row: [Int], into counts: inout [Int]) -> Int {
        for index in counts.indices { counts[index] = 0 }
        var present = 0
        for value in row where value >= 0 {
            counts[value] += 1
            present += 1
        }
        return present
    }

    /// The coincidence matrix by value index, with the pairable units and n.
    private func coincidenceMatrix() -> (values: [Value], matrix: [[Double]], units: Int, total: Int) {
        let values = distinct
        var matrix = Array(repeating: Array(repeating: 0.0, count: values.count), count: values.count)
        var counts = Array(repeating: 0, count: values.count)
        var pairable = 0
        var total = 0
        for row in cells {
            let m = Self.counts(row, into: &counts)
            guard m >= 2 else { continue }
            pairable += 1
            total += m
            let weight = 1 / Double(m - 1)
            for c in counts.indices where counts[c] > 0 {
                for k in counts.indices where counts[k] > 0 {
                    // Ordered pairs of different coders: nc·nk, less the nc self-pairs when c = k.
                    let pairs = c == k ? counts[c] * (counts[c] - 1) : counts[c] * counts[k]
                    matrix[c][k] += Double(pairs) * weight
                }
            }
        }
        return (values, matrix, pairable, total)
    }

    /// The coincidence matrix: for each unit with m ≥ 2 values, every ordered pair of values
    /// from two different coders adds 1 / (m − 1) to o[c][k]. Its total is n, the number
    /// of pairable values; units with fewer than two values add nothing.
    public func coincidences() -> (matrix: [Value: [Value: Double]], units: Int, values: Int) {
        let (values, matrix, units, total) = coincidenceMatrix()
        var result: [Value: [Value: Double]] = [:]
        for c in values.indices {
            for k in values.indices where matrix[c][k] > 0 { result[values[c], default: [:]][values[k]] = matrix[c][k] }
        }
        return (result, units, total)
    }

    /// Krippendorff's alpha for nominal data, by the coincidence matrix:
    /// α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k. Any number of coders, any pattern
    /// of missing values. Undefined with fewer than two pairable values, or when every
    /// pairable value is the same (no variation: expected disagreement is zero).
    public func krippendorffAlpha() -> AgreementFigure {
        let (_, matrix, units, n) = coincidenceMatrix()
        guard n >= 2 else {
            return AgreementFigure(undefined: "fewer than two pairable values", units: units, values: n)
        }
        var marginals = Array(repeating: 0.0, count: matrix.count)
        var observed = 0.0
        for c in matrix.indices {
            for k in matrix.indices {
                marginals[c] += matrix[c][k]
                if c != k { observed += matrix[c][k] }
            }
        }
        // Σ_{c≠k} n_c·n_k = n² − Σ_c n_c².
        let total = marginals.reduce(0, +)
        let expected = total * total - marginals.reduce(0) { $0 + $1 * $1 }
        guard expected > 1e-12 else {
            return AgreementFigure(undefined: "no variation: every pairable value is the same", units: units, values: n)
        }
        return AgreementFigure(value: 1 - Double(n - 1) * observed / expected, units: units, values: n)
    }

    /// Percent agreement: the share of pairable value pairs that agree, Σ_c o_cc / n (for
    /// two coders, the share of units both coded on which they agree).
    public func percentAgreement() -> AgreementFigure {
        let (_, matrix, units, n) = coincidenceMatrix()
        guard n >= 2 else { return AgreementFigure(undefined: "fewer than two pairable values", units: units, values: n) }
        let agreeing = matrix.indices.reduce(0.0) { $0 + matrix[$1][$1] }
        return AgreementFigure(value: agreeing / Double(n), units: units, values: n)
    }

    // MARK: - Kappas

    /// Cohen's kappa for two coders, over the units both gave a value:
    /// κ = (p_o − p_e) / (1 − p_e), with p_e = Σ_k p_a(k) · p_b(k) from each coder's own
    /// marginals. Undefined with no unit in common, or when p_e = 1 (both coders always
    /// gave the same one value).
    public func cohenKappa(_ first: Int, _ second: Int) -> AgreementFigure {
        var common = 0
        var agreeing = 0
        var firstCounts = Array(repeating: 0, count: distinct.count)
        var secondCounts = Array(repeating: 0, count: distinct.count)
        for row in cells {
            let a = row[first]
            let b = row[second]
            guard a >= 0, b >= 0 else { continue }
            common += 1
            if a == b { agreeing += 1 }
            firstCounts[a] += 1
            secondCounts[b] += 1
        }
        guard common > 0 else { return AgreementFigure(undefined: "no unit coded by both", units: 0, values: 0) }
        let n = Double(common)
        let observed = Double(agreeing) / n
        let expected = distinct.indices.reduce(0.0) { $0 + Double(firstCounts[$1]) / n * Double(secondCounts[$1]) / n }
        guard expected < 1 - 1e-12 else {
            return AgreementFigure(undefined: "no variation: both coders gave one value throughout", units: common, values: 2 * common)
        }
        return AgreementFigure(value: (observed - expected) / (1 - expected), units: common, values: 2 * common)
    }

    /// Fleiss' kappa, which assumes every unit was coded by the same number m ≥ 2 of
    /// coders: it is computed over the units every coder gave a value (the others are left
    /// out, and the figure's `units` says how many remained).
    /// κ = (P̄ − P̄_e) / (1 − P̄_e), P_i = (Σ_j n_ij² − m) / (m(m − 1)), P̄_e = Σ_j p_j².
    public func fleissKappa() -> AgreementFigure {
        let m = coders.count
        guard m >= 2 else { return AgreementFigure(undefined: "fewer than two coders", units: 0, values: 0) }
        var agreement = 0.0
        var totals = Array(repeating: 0, count: distinct.count)
        var counts = Array(repeating: 0, count: distinct.count)
        var complete = 0
        for row in cells {
            guard Self.counts(row, into: &counts) == m else { continue }
            complete += 1
            let squares = counts.reduce(0) { $0 + $1 * $1 }
            agreement += Double(squares - m) / Double(m * (m - 1))
            for index in counts.indices { totals[index] += counts[index] }
        }
        guard complete > 0 else { return AgreementFigure(undefined: "no unit coded by every coder", units: 0, values: 0) }
        let n = Double(complete)
        let observed = agreement / n
        let expected = totals.reduce(0.0) { $0 + pow2(Double($1) / (n * Double(m))) }
        guard expected < 1 - 1e-12 else {
            return AgreementFigure(undefined: "no variation: every value is the same", units: complete, values: complete * m)
        }
        return AgreementFigure(value: (observed - expected) / (1 - expected), units: complete, values: complete * m)
    }
}

private func pow2(_ x: Double) -> Double { x * x }
