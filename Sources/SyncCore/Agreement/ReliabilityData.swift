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

    /// - Precondition: every row has one entry per coder.
    public init(coders: [String], units: [[Value?]]) {
        precondition(units.allSatisfy { $0.count == coders.count }, "one value (or nil) per coder in every unit")
        self.coders = coders
        self.units = units
    }

    // MARK: - Krippendorff's alpha

    /// The coincidence matrix: for each unit with m ≥ 2 values, every ordered pair of values
    /// from two different coders adds 1 / (m − 1) to o[c][k]. Its total is n, the number
    /// of pairable values; units with fewer than two values add nothing.
    public func coincidences() -> (matrix: [Value: [Value: Double]], units: Int, values: Int) {
        var matrix: [Value: [Value: Double]] = [:]
        var pairable = 0
        var total = 0
        for row in units {
            let values = row.compactMap { $0 }
            guard values.count >= 2 else { continue }
            pairable += 1
            total += values.count
            var counts: [Value: Int] = [:]
            for value in values { counts[value, default: 0] += 1 }
            let weight = 1 / Double(values.count - 1)
            for (c, nc) in counts {
                for (k, nk) in counts {
                    // Ordered pairs of different coders: nc·nk, less the nc self-pairs when c = k.
                    let pairs = c == k ? nc * (nc - 1) : nc * nk
                    if pairs > 0 { matrix[c, default: [:]][k, default: 0] += Double(pairs) * weight }
                }
            }
        }
        return (matrix, pairable, total)
    }

    /// Krippendorff's alpha for nominal data, by the coincidence matrix:
    /// α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k. Any number of coders, any pattern
    /// of missing values. Undefined with fewer than two pairable values, or when every
    /// pairable value is the same (no variation: expected disagreement is zero).
    public func krippendorffAlpha() -> AgreementFigure {
        let (matrix, units, n) = coincidences()
        guard n >= 2 else {
            return AgreementFigure(undefined: "fewer than two pairable values", units: units, values: n)
        }
        var marginals: [Value: Double] = [:]
        var observed = 0.0
        for (c, row) in matrix {
            for (k, count) in row {
                marginals[c, default: 0] += count
                if c != k { observed += count }
            }
        }
        // Σ_{c≠k} n_c·n_k = n² − Σ_c n_c².
        let total = marginals.values.reduce(0, +)
        let expected = total * total - marginals.values.reduce(0) { $0 + $1 * $1 }
        guard expected > 1e-12 else {
            return AgreementFigure(undefined: "no variation: every pairable value is the same", units: units, values: n)
        }
        return AgreementFigure(value: 1 - Double(n - 1) * observed / expected, units: units, values: n)
    }

    /// Percent agreement: the share of pairable value pairs that agree, Σ_c o_cc / n (for
    /// two coders, the share of units both coded on which they agree).
    public func percentAgreement() -> AgreementFigure {
        let (matrix, units, n) = coincidences()
        guard n >= 2 else { return AgreementFigure(undefined: "fewer than two pairable values", units: units, values: n) }
        let agreeing = matrix.reduce(0.0) { $0 + ($1.value[$1.key] ?? 0) }
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
        var firstCounts: [Value: Int] = [:]
        var secondCounts: [Value: Int] = [:]
        for row in units {
            guard let a = row[first], let b = row[second] else { continue }
            common += 1
            if a == b { agreeing += 1 }
            firstCounts[a, default: 0] += 1
            secondCounts[b, default: 0] += 1
        }
        guard common > 0 else { return AgreementFigure(undefined: "no unit coded by both", units: 0, values: 0) }
        let n = Double(common)
        let observed = Double(agreeing) / n
        let expected = firstCounts.reduce(0.0) { $0 + Double($1.value) / n * Double(secondCounts[$1.key] ?? 0) / n }
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
        let complete = units.filter { row in row.allSatisfy { $0 != nil } }
        guard !complete.isEmpty else {
            return AgreementFigure(undefined: "no unit coded by every coder", units: 0, values: 0)
        }
        var agreement = 0.0
        var totals: [Value: Int] = [:]
        for row in complete {
            var counts: [Value: Int] = [:]
            for value in row { counts[value!, default: 0] += 1 }
            let squares = counts.values.reduce(0) { $0 + $1 * $1 }
            agreement += Double(squares - m) / Double(m * (m - 1))
            for (value, count) in counts { totals[value, default: 0] += count }
        }
        let n = Double(complete.count)
        let observed = agreement / n
        let expected = totals.values.reduce(0.0) { $0 + pow2(Double($1) / (n * Double(m))) }
        guard expected < 1 - 1e-12 else {
            return AgreementFigure(
                undefined: "no variation: every value is the same", units: complete.count, values: complete.count * m)
        }
        return AgreementFigure(value: (observed - expected) / (1 - expected), units: complete.count, values: complete.count * m)
    }
}

private func pow2(_ x: Double) -> Double { x * x }
