import Foundation
import StandardStreams

/// Writing to the terminal: JSON for scripts, text for people.
enum Output {
    /// Prints a value as pretty JSON with sorted keys.
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Our records hold only strings, numbers and booleans: encoding cannot fail.
        let data = try! encoder.encode(value)
        write(data + Data("\n".utf8))
    }

    /// Writes one line of text on standard output, with control characters from other
    /// users' text shown, not obeyed (``TerminalText``); `escaping: false` for text whose
    /// only escapes are annot's own (the colours of `annot show`).
    ///
    /// Rather than `print`: the standard library's `print` takes `Any` and asks the runtime
    /// which protocols the value conforms to, and each first such lookup scans every
    /// conformance in the binary, which is a noticeable share of a short command.
    static func line(_ text: String, escaping: Bool = true) {
        var text = escaping ? TerminalText.escaped(text) : text
        guard let stream = standardOutput else { return failed(EBADF) }
        let written = text.withUTF8 { bytes in fwrite(bytes.baseAddress, 1, bytes.count, stream) }
        if written < text.utf8.count || fputc(0x0A, stream) == EOF { failed(errno) }
    }

    /// The first failure to write standard output, as `errno`.
    nonisolated(unsafe) private static var failure: Int32?

    private static func failed(_ code: Int32) {
        if failure == nil { failure = code == 0 ? EIO : code }
    }

    /// Writes out what standard output holds.
    /// - Throws: ``StandardStreams/WriteFailure`` when anything written so far could not be
    ///   written (a full disk, a closed pipe): the command must not report success.
    static func flush() throws(StandardStreams.WriteFailure) {
        if let standardOutput, fflush(standardOutput) == EOF { failed(errno) }
        if let failure { throw StandardStreams.WriteFailure(code: failure, stream: "standard output") }
    }

    /// Standard output as a C stream, buffered like `print`'s: by line on a terminal, in
    /// blocks otherwise (flushed at exit, and before anything is written to standard error).
    nonisolated(unsafe) private static let standardOutput: UnsafeMutablePointer<FILE>? = {
        guard let stream = fdopen(STDOUT_FILENO, "w") else { return nil }
        if isatty(STDOUT_FILENO) == 1 { setvbuf(stream, nil, _IOLBF, 0) }
        return stream
    }()

    /// Writes bytes on standard output, through the same buffered stream as ``line(_:)``.
    static func write(_ data: Data) {
        guard let stream = standardOutput else { return failed(EBADF) }
        let written = data.withUnsafeBytes { bytes in fwrite(bytes.baseAddress, 1, bytes.count, stream) }
        if written < data.count { failed(errno) }
    }

    /// Prints a line on standard error (escaped like ``line(_:escaping:)``: a server's
    /// message is someone else's text too).
    static func note(_ text: String) {
        toStandardError(TerminalText.escaped(text) + "\n")
    }

    /// Writes `text` on standard error as it is: progress that redraws itself with `\r`.
    static func progress(_ text: String) {
        toStandardError(text)
    }

    /// Standard error is unbuffered: flush what standard output holds first, so that the two
    /// keep their order when they go to the same file (`annot … > log 2>&1`).
    private static func toStandardError(_ text: String) {
        if let standardOutput, fflush(standardOutput) == EOF { failed(errno) }
        StandardStreams.writeError(text)
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
