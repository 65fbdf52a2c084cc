/// Where a highlight sits in an article's text, recorded two ways as the W3C Web
/// Annotation model does, so the span can be found again if the text is ever revised.
///
/// - ``exact`` with ``prefix`` and ``suffix`` context is a `TextQuoteSelector`.
/// - ``start`` and ``end`` are a `TextPositionSelector`: offsets in Unicode scalars
///   (code points) from the start of the text, `end` exclusive.
public struct TextSelector: Sendable, Hashable, Codable {
    /// How many characters of context ``TextSelector/init(text:start:end:)`` records either side.
    public static let contextLength = 32
    /// The longest quote a highlight may hold, in Unicode scalars.
    public static let maxQuoteLength = 4096

    /// The highlighted text itself.
    public var exact: String
    /// Up to ``contextLength`` characters just before the quote.
    public var prefix: String
    /// Up to ``contextLength`` characters just after the quote.
    public var suffix: String
    /// Offset of the quote's first scalar.
    public var start: Int
    /// Offset just past the quote's last scalar.
    public var end: Int

    public init(exact: String, prefix: String, suffix: String, start: Int, end: Int) {
        self.exact = exact
        self.prefix = prefix
        self.suffix = suffix
        self.start = start
        self.end = end
    }

    /// The selector for scalars `start..<end` of `text`, with context taken from the text.
    public init(text: String, start: Int, end: Int) {
        let scalars = Array(text.unicodeScalars)
        func slice(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
        self.init(
            exact: slice(start..<end),
            prefix: slice(max(0, start - Self.contextLength)..<start),
            suffix: slice(end..<min(scalars.count, end + Self.contextLength)),
            start: start,
            end: end
        )
    }

    /// Checks the selector's own consistency: offsets, quote length, context size.
    public func validate() throws(SyncCoreError) {
        guard start >= 0, end > start else {
            throw .invalidValue(field: "highlight", reason: "start must be at least 0 and end greater than start")
        }
        guard !exact.isEmpty, exact.unicodeScalars.count == end - start else {
            throw .invalidValue(field: "highlight", reason: "the quote's length does not match its offsets")
        }
        guard exact.unicodeScalars.count <= Self.maxQuoteLength else {
            throw .oversize(field: "highlight quote", limit: Self.maxQuoteLength)
        }
        for part in [exact, prefix, suffix] where part.utf8.contains(0) {
            throw .invalidValue(field: "highlight", reason: "NUL characters are not allowed")
        }
        guard prefix.unicodeScalars.count <= Self.contextLength * 4, suffix.unicodeScalars.count <= Self.contextLength * 4
        else { throw .oversize(field: "highlight context", limit: Self.contextLength * 4) }
    }
}
