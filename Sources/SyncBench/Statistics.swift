import Foundation
import SyncCore

/// Medians, percentiles and the formatting of figures.
enum Statistics {
    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }

    /// The time `body` takes, in seconds.
    static func seconds<T>(_ body: () async throws -> T) async rethrows -> (seconds: Double, value: T) {
        let start = ContinuousClock.now
        let value = try await body()
        return (seconds(ContinuousClock.now - start), value)
    }

    static func median(_ values: [Double]) -> Double {
        percentile(values, 50)
    }

    /// The `p`th percentile (0...100), interpolating between the two nearest values;
    /// 0 for no values.
    /// - Complexity: O(n log n), for the sort.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard let first = sorted.first else { return 0 }
        guard sorted.count > 1 else { return first }
        let position = p / 100 * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    /// Median, 99th percentile and maximum of latencies in seconds, with their count:
    /// `median 21.5 ms, p99 47.2 ms, max 291.1 ms (17697 runs)`.
    static func latencies(_ values: [Double], of noun: String) -> String {
        "median \(milliseconds(median(values))), p99 \(milliseconds(percentile(values, 99))), "
            + "max \(milliseconds(values.max() ?? 0)) (\(values.count) \(noun))"
    }

    static func format(_ value: Double, _ digits: Int = 2) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// Seconds as milliseconds with one decimal: `12.3 ms`.
    static func milliseconds(_ seconds: Double) -> String {
        format(seconds * 1000, 1) + " ms"
    }

    /// A count with thousands separators: `100,000`.
    static func count<N: BinaryInteger>(_ value: N) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A rate: `12,345/s`.
    static func rate(_ count: Int, _ seconds: Double) -> String {
        seconds > 0 ? self.count(Int((Double(count) / seconds).rounded())) + "/s" : "n/a"
    }

    /// KiB as MiB with one decimal.
    static func mebibytes(kibibytes: Int) -> String {
        format(Double(kibibytes) / 1024, 1) + " MiB"
    }

    /// Every run's value, for the report: `[1.23, 1.25, …]`.
    static func list(_ values: [Double], _ digits: Int = 3) -> String {
        "[" + values.map { format($0, digits) }.joined(separator: ", ") + "]"
    }
}

extension Statistics {
    /// `median 1.234 s (81,037/s)  runs: [1.234, …]` for timings of `operations` operations.
    static func timings(_ seconds: [Double], operations: Int) -> String {
        let median = median(seconds)
        return "median \(format(median, 3)) s (\(rate(operations, median)))  runs: \(list(seconds))"
    }

    /// `7 runs`, `1 run`.
    static func runs(_ count: Int) -> String {
        count == 1 ? "1 run" : "\(count) runs"
    }
}
