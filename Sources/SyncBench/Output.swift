import Foundation

/// The report, written line by line: standard output is block-buffered into a file or a
/// pipe, and a long run should show its progress as it goes.
enum Output {
    static func line(_ text: String = "") {
        print(text)
        fflush(nil)
    }

    /// The width of the labels of ``row(_:_:)``.
    static let labelWidth = 16

    /// One figure of a workload: `  label           : text`.
    static func row(_ label: String, _ text: String) {
        let padding = String(repeating: " ", count: max(0, labelWidth - label.count))
        line("  " + label + padding + ": " + text)
    }

    /// A continuation line under a row.
    static func detail(_ text: String) {
        line(String(repeating: " ", count: labelWidth + 4) + text)
    }
}
