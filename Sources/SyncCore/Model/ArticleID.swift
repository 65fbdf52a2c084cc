/// An article's id: the stem of the file it was imported from, e.g. `003_e7379399b3230908`.
///
/// 1...128 ASCII letters, digits, `.`, `_` or `-`. Any unique prefix names the article in
/// the CLI, as git does with commit hashes.
public struct ArticleID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: ``SyncCoreError/invalidArticleID(_:)``.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard Self.isValid(rawValue) else { throw .invalidArticleID(rawValue) }
        self.rawValue = rawValue
    }

    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy(Identifier.isNameByte)
    }

    public static func < (lhs: ArticleID, rhs: ArticleID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Character classes shared by the identifier types.
enum Identifier {
    /// ASCII letters, digits, `.`, `_` and `-`.
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }
}
