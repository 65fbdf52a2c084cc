/// The name of an analyst, the author of operations: 1...64 ASCII letters, digits, `.`, `_` or `-`.
public struct UserName: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: ``SyncCoreError/invalidUserName(_:)``.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64, rawValue.utf8.allSatisfy(Identifier.isNameByte) else {
            throw .invalidUserName(rawValue)
        }
        self.rawValue = rawValue
    }

    public static func < (lhs: UserName, rhs: UserName) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
