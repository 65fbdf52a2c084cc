/// One agreement coefficient as computed, with the data behind it: how many units it was
/// computed over and how many values they held. A coefficient that its formula leaves
/// undefined on the data (no variation, nothing pairable) has no value and says why,
/// instead of being NaN (docs/agreement.md).
public struct AgreementFigure: Sendable, Hashable, Codable {
    /// The coefficient, or nil when it is undefined on this data.
    public let value: Double?
    /// Why the coefficient is undefined; nil when it has a value.
    public let undefined: String?
    /// The units the coefficient was computed over (for alpha: those with two values or more).
    public let units: Int
    /// The values in those units (for alpha: the pairable values, its n).
    public let values: Int

    public init(value: Double, units: Int, values: Int) {
        self.value = value
        self.undefined = nil
        self.units = units
        self.values = values
    }

    public init(undefined reason: String, units: Int, values: Int) {
        self.value = nil
        self.undefined = reason
        self.units = units
        self.values = values
    }

    /// The value with three decimals, or `undefined (reason)`.
    public var formatted: String {
        guard let value else { return "undefined (\(undefined ?? ""))" }
        let rounded = (value * 1000).rounded() / 1000
        let text = String(rounded == 0 ? 0 : rounded)  // no "-0.0"
        let decimals = text.split(separator: ".", maxSplits: 1).last.map { $0.count } ?? 0
        return text.contains(".") ? text + String(repeating: "0", count: max(0, 3 - decimals)) : text + ".000"
    }
}
