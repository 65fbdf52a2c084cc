/// The id of a note or a highlight: 32 lowercase hex digits (128 bits) derived from the
/// timestamp of the operation that created it.
///
/// Derived rather than random so that SyncCore stays deterministic and the decoder can
/// check that a creation claims its own id; a cryptographic hash (SHA-256) so that no one
/// can make two creations share an id, and short prefixes (`annot note --edit 4f2a`) are
/// unique, as with git.
public struct EntityID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The number of hex digits in an id.
    public static let length = 32

    public let rawValue: String

    /// Validates `rawValue`: exactly 32 lowercase hex digits.
    /// - Throws: ``SyncCoreError/invalidValue(field:reason:)``.
    public init(_ rawValue: String) throws(SyncCoreError) {
        guard Digest.isLowerHex(rawValue, length: Self.length) else {
            throw .invalidValue(field: "id", reason: "\(SyncCoreError.quoted(rawValue)) is not \(Self.length) lowercase hex digits")
        }
        self.rawValue = rawValue
    }

    /// The id of the entity created by the operation stamped `timestamp`: the first 128
    /// bits of the SHA-256 of `annot-entity`, a newline and the canonical timestamp.
    public init(creator timestamp: Timestamp) {
        self.rawValue = String(Digest.sha256Hex("annot-entity\n" + timestamp.description).prefix(Self.length))
    }

    public static func < (lhs: EntityID, rhs: EntityID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
