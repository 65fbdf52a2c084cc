import Foundation

/// A normalized tag name, possibly hierarchical (`talks/doha`).
///
/// Normalization makes `Talks/Doha`, ` talks / doha ` and a decomposed `é` the same tag:
/// Unicode NFC, case folding, runs of white space folded to one space, each `/`-separated
/// segment trimmed. Empty names and segments, control characters, and names longer than
/// ``maxLength`` characters or ``maxDepth`` segments are rejected.
public struct TagName: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The longest normalized name, in Unicode scalars.
    public static let maxLength = 64
    /// The most `/`-separated segments a name may have.
    public static let maxDepth = 8

    /// The normalized name.
    public let rawValue: String

    /// Normalizes and validates `input`.
    /// - Throws: ``SyncCoreError/invalidTag(_:reason:)`` with the reason in words.
    public init(_ input: String) throws(SyncCoreError) {
        for scalar in input.unicodeScalars {
            let category = scalar.properties.generalCategory
            if category == .control || category == .format || category == .lineSeparator
                || category == .paragraphSeparator
            {
                throw .invalidTag(input, reason: "tags may not contain control characters")
            }
            // Unassigned code points have no settled normalization or case folding: a
            // build with newer Unicode tables could fold them differently.
            if category == .unassigned || category == .privateUse || category == .surrogate {
                throw .invalidTag(input, reason: "tags may not contain unassigned or private-use characters")
            }
        }
        let folded = Self.fold(input)
        var name = ""
        var depth = 0
        for segment in folded.split(separator: "/", omittingEmptySubsequences: false) {
            let words = segment.split(whereSeparator: { $0.isWhitespace })
            guard !words.isEmpty else {
                throw .invalidTag(input, reason: depth == 0 && folded.allSatisfy(\.isWhitespace)
                    ? "tags may not be empty" : "a tag's '/'-separated parts may not be empty")
            }
            if depth > 0 { name.append("/") }
            for (index, word) in words.enumerated() {
                if index > 0 { name.append(" ") }
                name.append(contentsOf: word)
            }
            depth += 1
        }
        guard depth <= Self.maxDepth else {
            throw .invalidTag(input, reason: "tags may have at most \(Self.maxDepth) '/'-separated levels")
        }
        guard name.unicodeScalars.count <= Self.maxLength else {
            throw .invalidTag(input, reason: "tags may be at most \(Self.maxLength) characters long")
        }
        self.rawValue = name
    }

    /// Unicode NFC and case folding.
    ///
    /// ASCII text, by far the most common, is already in NFC and folds to its lower case, so
    /// it is folded here directly. Other text goes through Foundation (``unicodeFold(_:)``),
    /// whose first use in a process took about half a millisecond of a short `annot tag`
    /// (BENCHMARKS.md); tests check that both give the same result on ASCII.
    static func fold(_ input: String) -> String {
        guard input.utf8.allSatisfy({ $0 < 0x80 }) else { return unicodeFold(input) }
        return String(decoding: input.utf8.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// NFC and case folding of any text, with Foundation.
    static func unicodeFold(_ input: String) -> String {
        input.precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
    }

    /// Wraps a name that is already normalized (read back from a trusted store).
    public init(normalized: String) { self.rawValue = normalized }

    /// The parent tag of a hierarchical name (`talks` for `talks/doha`), if any.
    public var parent: TagName? {
        guard let slash = rawValue.lastIndex(of: "/") else { return nil }
        return TagName(normalized: String(rawValue[..<slash]))
    }

    public static func < (lhs: TagName, rhs: TagName) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension TagName {
    /// Accepts a name from the wire only when it is its own normalization, so that every
    /// tag a peer can send is one the CLI can name (`annot untag 003 Talks` normalizes to
    /// `talks`, which must be the tag's name).
    ///
    /// Normalization refuses unassigned code points, and Unicode keeps the normalization
    /// and case folding of assigned ones stable, so builds with different Unicode tables
    /// accept the same names.
    init(wire text: String) throws(SyncCoreError) {
        guard let normalized = try? TagName(text), normalized.rawValue.utf8.elementsEqual(text.utf8) else {
            throw .invalidTag(text, reason: "not a normalized tag name")
        }
        self.rawValue = text
    }
}

extension TagName {
    /// The last `/`-separated segment (`doha` for `talks/doha`).
    public var label: String {
        guard let slash = rawValue.lastIndex(of: "/") else { return rawValue }
        return String(rawValue[rawValue.index(after: slash)...])
    }

    /// The name and each of its ancestors, the root first (`talks`, `talks/doha`).
    public var lineage: [TagName] {
        var names: [TagName] = []
        var end = rawValue.startIndex
        while let slash = rawValue[end...].firstIndex(of: "/") {
            names.append(TagName(normalized: String(rawValue[..<slash])))
            end = rawValue.index(after: slash)
        }
        names.append(self)
        return names
    }

    /// Normalizes one segment of a name (a code's label): like a name, but with no `/`.
    public static func label(_ input: String) throws(SyncCoreError) -> String {
        let name = try TagName(input)
        guard !name.rawValue.contains("/") else {
            throw .invalidTag(input, reason: "a label is one level: it may not contain '/'")
        }
        return name.rawValue
    }

    /// Normalizes a path typed to look a code up. Unlike ``init(_:)``, it accepts paths
    /// longer than ``maxLength`` or deeper than ``maxDepth``: moves can put a code below
    /// another, deeper than any one name may be.
    public static func path(_ input: String) throws(SyncCoreError) -> String {
        let refusal: SyncCoreError
        do {
            return try TagName(input).rawValue
        } catch {
            refusal = error
        }
        // Refused as a name: if only for its length or depth, each segment is still a label.
        var segments: [String] = []
        for segment in input.split(separator: "/", omittingEmptySubsequences: false) {
            guard let label = try? label(String(segment)) else { throw refusal }
            segments.append(label)
        }
        return segments.joined(separator: "/")
    }
}
