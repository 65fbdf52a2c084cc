import Foundation

/// Writing to the terminal: JSON for scripts, text for people.
enum Output {
    /// Prints a value as pretty JSON with sorted keys.
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Our records hold only strings, numbers and booleans: encoding cannot fail.
        let data = try! encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints a line on standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether standard error is a terminal (progress is shown only there).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    /// Whether standard output is a terminal (highlights are marked with colour only there).
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Pads or cuts `text` to `width` characters.
    static func column(_ text: String, _ width: Int) -> String {
        if text.count > width { return String(text.prefix(width - 1)) + "…" }
        return text + String(repeating: " ", count: width - text.count)
    }

    /// The first `length` characters of an id, as ids are shown in lists.
    static func short(_ id: String, _ length: Int = 7) -> String { String(id.prefix(length)) }
}
