/// Times as `xsd:dateTime` in UTC (`2026-12-02T07:59:44Z`), written by hand: formatters are
/// costly to make, and an export writes one time per coding.
enum UTCTime {
    /// `milliseconds` since 1970 as `YYYY-MM-DDThh:mm:ss[.sss]Z`.
    static func string(_ milliseconds: UInt64, fractional: Bool) -> String {
        let seconds = Int64(milliseconds / 1000)
        let days = seconds / 86_400
        let time = seconds % 86_400
        // Days to a civil date (Howard Hinnant's algorithm), proleptic Gregorian.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var result = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(time / 3600, 2)):\(pad(time / 60 % 60, 2)):\(pad(time % 60, 2))"
        if fractional { result += "." + pad(Int64(milliseconds % 1000), 3) }
        return result + "Z"
    }
}
